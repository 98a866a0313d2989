import { frenchShortDate } from '../render/dates.js';
import type { UsageReport } from './service.js';

/**
 * What a downloaded report covers, said where a person looks: its file name (a folder of
 * exports stays sorted by period and scope) and its first line (printed or forwarded, the file
 * still says it). The scope is the agency code, the only name Jalon knows agencies by.
 */

type Covered = Pick<UsageReport, 'from' | 'to' | 'agency' | 'rac' | 'racName' | 'template' | 'channel'>;

const CHANNEL_LABELS: Record<string, string> = { email: 'e-mail', sms: 'SMS' };

/** « Statistiques d’usage du 1er janvier 2026 au 31 mars 2026 — agence AERM ». */
export function usageTitle(report: Covered): string {
  const parts = [
    `Statistiques d’usage du ${frenchShortDate(report.from)} au ${frenchShortDate(report.to)}`,
    report.agency ? `agence ${report.agency}` : 'toutes agences',
  ];
  if (report.rac) parts.push(`RAC ${report.racName ? `${report.racName} (${report.rac})` : report.rac}`);
  if (report.template) parts.push(`modèle ${report.template}`);
  if (report.channel) parts.push(`canal ${CHANNEL_LABELS[report.channel] ?? report.channel}`);
  return parts.join(' — ');
}

/** `jalon-statistiques-2026-01-01_2026-03-31-agence-aerm.csv`: ASCII only, safe in a header. */
export function usageFileName(report: Covered): string {
  const parts = [
    'jalon-statistiques',
    `${report.from}_${report.to}`,
    report.agency ? `agence-${report.agency}` : 'national',
    report.rac,
    report.template,
    report.channel,
  ];
  return `${parts
    .filter(Boolean)
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '-')}.csv`;
}
