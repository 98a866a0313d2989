import { describe, expect, it } from 'vitest';
import { BOM, csvField, usageCsv } from '../../src/stats/csv.js';
import type { UsageReport } from '../../src/stats/service.js';

const figures = {
  drafted: 1,
  scheduled: 2,
  sent: 3,
  delivered: 1,
  failed: 0,
  bounced: 1,
  cancelled: 0,
  smsSegments: 4,
  activeSenders: 2,
};

describe('usage CSV for a French spreadsheet', () => {
  it('writes decimals with a comma, quotes what needs it and defuses formulas', () => {
    expect(csvField(0.3333)).toBe('0,3333');
    expect(csvField(12)).toBe('12');
    expect(csvField(null)).toBe('');
    expect(csvField('a;b')).toBe('"a;b"');
    expect(csvField('dit "bonjour"')).toBe('"dit ""bonjour"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-2')).toBe("'-2");
  });

  it('starts with a BOM, separates with ";", ends lines with CRLF and closes with a total line', () => {
    const report: UsageReport = {
      from: '2026-01-01',
      to: '2026-03-31',
      groupBy: ['month', 'status'],
      agency: 'AERM',
      rac: null,
      template: null,
      channel: null,
      rows: [{ month: '2026-03', status: 'sent', ...figures, activeSenders: null }],
      totals: { ...figures, projects: 4, ackSent: 3, ackShare: 0.75, ackMedianDays: 1.5 },
    };
    const csv = usageCsv(report);
    expect(csv.startsWith(BOM)).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(
      'Mois;Statut;Brouillons;Programmés;Envoyés;Distribués;Échecs;Rejetés;Annulés;Segments SMS;Émetteurs actifs;' +
        'Commandes reçues;Commandes avec accusé de réception;Part avec accusé de réception;' +
        'Délai médian réception → accusé (jours)',
    );
    expect(lines[1]).toBe('2026-03;envoyé;1;2;3;1;0;1;0;4;;;;;');
    expect(lines[2]).toBe('Total;;1;2;3;1;0;1;0;4;2;4;3;0,75;1,5');
  });
});
