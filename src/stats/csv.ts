import type { Dimension } from './params.js';
import type { UsageReport, UsageRow } from './service.js';

/**
 * The report as a file a French spreadsheet opens as is: ";" between fields, a UTF-8 byte
 * order mark so accents survive, a decimal comma, CRLF line ends, French headings.
 */

const DIMENSION_LABELS: Record<Dimension, string> = {
  month: 'Mois',
  week: 'Semaine',
  agency: 'Agence',
  rac: 'RAC',
  template: 'Modèle',
  channel: 'Canal',
  status: 'Statut',
};

export const FIGURE_LABELS = {
  drafted: 'Brouillons',
  scheduled: 'Programmés',
  sent: 'Envoyés',
  delivered: 'Distribués',
  failed: 'Échecs',
  bounced: 'Rejetés',
  cancelled: 'Annulés',
  smsSegments: 'Segments SMS',
  activeSenders: 'Émetteurs actifs',
  projects: 'Commandes reçues',
  ackSent: 'Commandes avec accusé de réception',
  ackShare: 'Part avec accusé de réception',
  ackMedianDays: 'Délai médian réception → accusé (jours)',
  rlpMet: 'RLP dans les délais',
  rlpLate: 'RLP en retard',
  rlpPending: 'RLP à venir',
  rlpMetShare: 'Part RLP dans les délais',
  rleMet: 'RLE dans les délais',
  rleLate: 'RLE en retard',
  rlePending: 'RLE à venir',
  rleMetShare: 'Part RLE dans les délais',
  surveysSent: 'Questionnaires envoyés',
  surveysAnswered: 'Questionnaires répondus',
  surveyResponseRate: 'Taux de réponse',
  surveyAverageRating: 'Note moyenne (sur 5)',
  surveyCsat: 'Part de notes 4 ou 5 (CSAT)',
} as const;
type Figure = keyof typeof FIGURE_LABELS;

const STATUS_LABELS: Record<string, string> = {
  drafted: 'brouillon',
  scheduled: 'programmé',
  sent: 'envoyé',
  delivered: 'distribué',
  failed: 'échec',
  bounced: 'rejeté',
  cancelled: 'annulé',
};

export const BOM = '\uFEFF';

/** Quotes what needs it, and defuses text a spreadsheet would run as a formula. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value).replace('.', ',');
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function usageCsv(report: UsageReport): string {
  const dims = report.groupBy;
  const figures = (Object.keys(FIGURE_LABELS) as Figure[]).filter((name) =>
    [...report.rows, report.totals].some((row) => row[name] !== undefined),
  );
  const line = (cells: (string | number | null | undefined)[]) => cells.map(csvField).join(';');
  const body = (row: UsageRow, key: (string | undefined)[]) => line([...key, ...figures.map((name) => row[name])]);
  const lines = [
    line([...dims.map((name) => DIMENSION_LABELS[name]), ...figures.map((name) => FIGURE_LABELS[name])]),
    ...report.rows.map((row) =>
      body(
        row,
        dims.map((name) => (name === 'status' ? STATUS_LABELS[row.status ?? ''] : row[name])),
      ),
    ),
    body(
      report.totals,
      dims.map((_, index) => (index === 0 ? 'Total' : '')),
    ),
  ];
  return `${BOM}${lines.join('\r\n')}\r\n`;
}
