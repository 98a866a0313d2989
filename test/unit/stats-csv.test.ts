import { describe, expect, it } from 'vitest';
import { BOM, csvField, usageCsv } from '../../src/stats/csv.js';
import type { UsageReport } from '../../src/stats/service.js';
import { usageFileName, usageTitle } from '../../src/stats/title.js';

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
      racName: null,
      template: null,
      channel: null,
      rows: [{ month: '2026-03', status: 'sent', ...figures, activeSenders: null }],
      totals: { ...figures, projects: 4, ackSent: 3, ackShare: 0.75, ackMedianDays: 1.5 },
    };
    const csv = usageCsv(report);
    expect(csv.startsWith(BOM)).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(`Statistiques d’usage du 1er janvier 2026 au 31 mars 2026 — agence AERM${';'.repeat(14)}`);
    expect(lines[1]).toBe(
      'Mois;Statut;Brouillons;Programmés;Envoyés;Distribués;Échecs;Rejetés;Annulés;Segments SMS;Émetteurs actifs;' +
        'Commandes reçues;Commandes avec accusé de réception;Part avec accusé de réception (%);' +
        'Délai médian réception → accusé (jours)',
    );
    expect(lines[2]).toBe('2026-03;envoyé;1;2;3;1;0;1;0;4;;;;;');
    expect(lines[3]).toBe('Total;;1;2;3;1;0;1;0;4;2;4;3;75,0;1,5');
  });

  it('names a RAC by display name, id and agency, and a share with one decimal', () => {
    const row = { ...figures, rac: 'rac-roux', racName: 'Baptiste Roux', racAgency: 'AERM', ackShare: 0.4254 };
    const report: UsageReport = {
      from: '2026-03-01',
      to: '2026-03-31',
      groupBy: ['rac'],
      agency: null,
      rac: null,
      racName: null,
      template: null,
      channel: null,
      rows: [row, { ...row, rac: 'rac-x', racName: null, racAgency: null, ackShare: null }],
      totals: { ...figures, ackShare: 1 / 3 },
    };
    const lines = usageCsv(report).slice(1).split('\r\n');
    expect(lines[0]).toMatch(/^Statistiques d’usage du 1er mars 2026 au 31 mars 2026 — toutes agences;/);
    expect(lines[1]).toMatch(/^RAC;Identifiant RAC;Agence du RAC;Brouillons;/);
    expect(lines[2]).toBe('Baptiste Roux;rac-roux;AERM;1;2;3;1;0;1;0;4;2;42,5');
    expect(lines[3]).toBe('rac-x;rac-x;;1;2;3;1;0;1;0;4;2;');
    expect(lines[4]).toBe('Total;;;1;2;3;1;0;1;0;4;2;33,3');
  });
});

describe('what a downloaded usage report says it covers', () => {
  const covered = {
    from: '2026-01-01',
    to: '2026-03-31',
    agency: 'LYON',
    rac: null,
    racName: null,
    template: null,
    channel: null,
  };

  it('names the period and the agency, or all agencies', () => {
    expect(usageTitle(covered)).toBe('Statistiques d’usage du 1er janvier 2026 au 31 mars 2026 — agence LYON');
    expect(usageFileName(covered)).toBe('jalon-statistiques-2026-01-01_2026-03-31-agence-lyon.csv');
    expect(usageTitle({ ...covered, agency: null, from: '2026-02-14' })).toBe(
      'Statistiques d’usage du 14 février 2026 au 31 mars 2026 — toutes agences',
    );
    expect(usageFileName({ ...covered, agency: null })).toBe('jalon-statistiques-2026-01-01_2026-03-31-national.csv');
  });

  it('adds the RAC, template and channel the report is narrowed to', () => {
    const narrowed = {
      ...covered,
      rac: 'rac-roux',
      racName: 'Baptiste Roux',
      template: 'rappel-intervention',
      channel: 'sms',
    };
    expect(usageTitle(narrowed)).toBe(
      'Statistiques d’usage du 1er janvier 2026 au 31 mars 2026 — agence LYON — RAC Baptiste Roux (rac-roux) — ' +
        'modèle rappel-intervention — canal SMS',
    );
    expect(usageFileName(narrowed)).toBe(
      'jalon-statistiques-2026-01-01_2026-03-31-agence-lyon-rac-roux-rappel-intervention-sms.csv',
    );
    expect(usageTitle({ ...narrowed, racName: null, template: null, channel: 'email' })).toBe(
      'Statistiques d’usage du 1er janvier 2026 au 31 mars 2026 — agence LYON — RAC rac-roux — canal e-mail',
    );
  });
});
