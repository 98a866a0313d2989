import type { Dimension } from './params.js';
import { usageTitle } from './title.js';
import type { UsageReport, UsageRow } from './service.js';

/**
 * The report as a file a French spreadsheet opens as is: ";" between fields, a UTF-8 byte
 * order mark so accents survive, a decimal comma, CRLF line ends, French headings. Its first
 * line says what it covers (a file is read away from the request that made it); every line has
 * as many fields as the heading, so that CSV parsers and spreadsheets take it without options.
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
  ackShare: 'Part avec accusé de réception (%)',
  ackMedianDays: 'Délai médian réception → accusé (jours)',
  rlpMet: 'RLP dans les délais',
  rlpLate: 'RLP en retard',
  rlpPending: 'RLP à venir',
  rlpMetShare: 'Part RLP dans les délais (%)',
  rleMet: 'RLE dans les délais',
  rleLate: 'RLE en retard',
  rlePending: 'RLE à venir',
  rleMetShare: 'Part RLE dans les délais (%)',
  surveysSent: 'Questionnaires envoyés',
  surveysAnswered: 'Questionnaires répondus',
  surveyResponseRate: 'Taux de réponse (%)',
  surveyAverageRating: 'Note moyenne (sur 5)',
  surveyCsat: 'Part de notes 4 ou 5, CSAT (%)',
} as const;
type Figure = keyof typeof FIGURE_LABELS;

/**
 * Shares are 0..1 in JSON; a spreadsheet user reads percentages. A plain number with one
 * decimal under a heading ending in "(%)" stays a number a spreadsheet can sum and sort,
 * which "42,5 %" (text to most parsers) would not.
 */
export const PERCENT_FIGURES: ReadonlySet<Figure> = new Set([
  'ackShare',
  'rlpMetShare',
  'rleMetShare',
  'surveyResponseRate',
  'surveyCsat',
]);
const percent = (share: number | null | undefined) =>
  share === null || share === undefined ? share : (share * 100).toFixed(1).replace('.', ',');

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

/** The columns of the key: a RAC reads as their name, their id and, unless split by agency, their agency. */
function keyColumns(dims: Dimension[]): { label: string; cell: (row: UsageRow) => string | null | undefined }[] {
  return dims.flatMap((name) => {
    if (name === 'status')
      return [{ label: DIMENSION_LABELS.status, cell: (row: UsageRow) => STATUS_LABELS[row.status ?? ''] }];
    if (name !== 'rac') return [{ label: DIMENSION_LABELS[name], cell: (row: UsageRow) => row[name] }];
    return [
      { label: 'RAC', cell: (row: UsageRow) => row.racName ?? row.rac },
      { label: 'Identifiant RAC', cell: (row: UsageRow) => row.rac },
      ...(dims.includes('agency') ? [] : [{ label: 'Agence du RAC', cell: (row: UsageRow) => row.racAgency }]),
    ];
  });
}

export function usageCsv(report: UsageReport): string {
  const keys = keyColumns(report.groupBy);
  const figures = (Object.keys(FIGURE_LABELS) as Figure[]).filter((name) =>
    [...report.rows, report.totals].some((row) => row[name] !== undefined),
  );
  const width = keys.length + figures.length;
  const line = (cells: (string | number | null | undefined)[]) =>
    [...cells, ...Array<string>(Math.max(0, width - cells.length)).fill('')].map(csvField).join(';');
  const values = (row: UsageRow) => figures.map((name) => (PERCENT_FIGURES.has(name) ? percent(row[name]) : row[name]));
  const lines = [
    line([usageTitle(report)]),
    line([...keys.map((key) => key.label), ...figures.map((name) => FIGURE_LABELS[name])]),
    ...report.rows.map((row) => line([...keys.map((key) => key.cell(row)), ...values(row)])),
    line([...keys.map((_, index) => (index === 0 ? 'Total' : '')), ...values(report.totals)]),
  ];
  return `${BOM}${lines.join('\r\n')}\r\n`;
}
