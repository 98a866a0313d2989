import { SegmentedMessage } from 'sms-segments-calculator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Renderer } from '../../../src/render/index.js';
import { isGsm7, measureSms, nonGsmCharacters, transliterate } from '../../../src/render/sms.js';
import { smsMatrix } from '../../../src/render/check.js';
import { asSms, fixture, fixtures, newRenderer } from './support.js';

let renderer: Renderer;
beforeAll(async () => {
  renderer = await newRenderer();
});
afterAll(() => renderer.close());

describe('rappel-intervention', () => {
  it('fits its sample in one GSM-7 segment with operator, date, window, site, preparation and RAC phone', () => {
    const sms = asSms(renderer.renderSample('rappel-intervention'));
    expect(sms).toMatchObject({ encoding: 'GSM-7', segments: 1, warnings: [] });
    expect(sms.length).toBeLessThanOrEqual(160);
    expect(sms.body).toBe(
      "Orion Télécom : intervention le mardi 28/04 entre 8h et 12h, site Pharmacie Castelnau. Prévoyez l'accès au local technique. Votre RAC : 06 39 98 01 04",
    );
  });

  it('shows the window in Paris time whatever the offset given, in winter and in summer', () => {
    const at = (start: string, end: string) =>
      asSms(renderer.renderSample('rappel-intervention', { data: { windowStart: start, windowEnd: end } })).body;
    expect(at('2026-01-13T07:00:00Z', '2026-01-13T11:00:00Z')).toContain('le mardi 13/01 entre 8h et 12h');
    expect(at('2026-07-14T11:30:00Z', '2026-07-14T15:30:00Z')).toContain('le mardi 14/07 entre 13h30 et 17h30');
  });

  it('transliterates to GSM-7 by default; asked not to, warns beyond one segment and names the characters', () => {
    const data = { siteShortName: 'Crêperie', prepare: "l'accès à la baie, la clé du local" };
    const sample = renderer.get('rappel-intervention')?.sample as {
      project: Parameters<Renderer['render']>[1]['project'];
      data: Record<string, unknown>;
    };
    const input = { project: sample.project, data: { ...sample.data, ...data } };
    const plain = asSms(renderer.render('rappel-intervention', { ...input, transliterate: false }));
    expect(plain.encoding).toBe('UCS-2');
    expect(plain.segments).toBeGreaterThan(1);
    expect(plain.warnings).toContainEqual(
      expect.stringMatching(/^the SMS takes \d segments \(\d+ characters, UCS-2 because of "ê"\)$/),
    );
    const fixed = asSms(renderer.render('rappel-intervention', input));
    expect(fixed).toMatchObject({ encoding: 'GSM-7', segments: 1, warnings: [] });
    expect(fixed.body).toContain('site Creperie.');
    expect(fixed.body).toContain('Orion Télécom'); // é is GSM-7 and stays
  });

  it('warns when the window is not the usual four hours', () => {
    const sms = asSms(
      renderer.renderSample('rappel-intervention', { data: { windowEnd: '2026-04-28T10:00:00+02:00' } }),
    );
    expect(sms.warnings).toContain('the arrival window lasts 2 h instead of the usual 4 h');
  });

  it('reaches the contact of the site with any sample order', () => {
    const project = fixture('CMD-2026-000104');
    const data = {
      siteRef: project.sites[3]!.ref,
      kind: 'service',
      windowStart: '2026-02-03T14:00:00+01:00',
      windowEnd: '2026-02-03T18:00:00+01:00',
    };
    const sms = asSms(renderer.render('rappel-intervention', { project, data }));
    expect(sms.body).toContain(`site ${project.sites[3]!.name}.`);
    expect(sms.body).toContain("Prévoyez l'accès à la baie et au réseau.");
  });
});

describe('one segment', () => {
  const visit = (siteRef: string, kind = 'service') => ({
    siteRef,
    kind,
    windowStart: '2026-11-17T13:30:00+01:00',
    windowEnd: '2026-11-17T17:30:00+01:00',
  });

  it('transliterates names and cities on the visit path (Nîmes stays GSM-7)', () => {
    const sms = asSms(
      renderer.render('rappel-intervention', { project: fixture('CMD-2026-000102'), data: visit('SU1020003') }),
    );
    expect(sms.body).toContain('site Agence Nimes 3.');
    expect(sms).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('shortens the preparation phrase, then the site name, then the window, and says so', () => {
    const base = fixture('CMD-2026-000104');
    const long = { ...base.sites[0]!, name: 'Agence Sainte-Maxime-sur-Mer Centre 10' };
    const project = { ...base, sites: [long, ...base.sites.slice(1)] };
    const sms = asSms(renderer.render('rappel-intervention', { project, data: visit(long.ref) }));
    expect(sms.segments).toBe(1);
    expect(sms.body).toContain("Prévoyez l'accès à la baie.");
    expect(sms.body).toContain('site Ag. Ste-Maxime-sur-Mer Ctre 10.');
    expect(sms.warnings).toEqual([
      'the preparation phrase was shortened to "l\'accès à la baie" to fit one SMS segment',
      'the site name was shortened to "Ag. Ste-Maxime-sur-Mer Ctre 10" to fit one SMS segment (give siteShortName to choose it)',
    ]);
    // What fits already is left alone.
    expect(asSms(renderer.renderSample('rappel-intervention')).warnings).toEqual([]);
  });

  it('fits at least 95 % of the reminders of every site of the sample orders × kinds × windows in one segment', () => {
    const matrix = smsMatrix(renderer, fixtures());
    expect(matrix.total).toBe(fixtures().reduce((sum, item) => sum + item.project.sites.length, 0) * 2 * 4);
    expect(matrix.oneSegment / matrix.total).toBeGreaterThanOrEqual(0.95);
  });
});

describe('encoding', () => {
  it('detects GSM-7 and UCS-2 like the segment calculator', () => {
    expect(measureSms('Rendez-vous à 8h, café offert : é è ù ì ò Ç É')).toMatchObject({
      encoding: 'GSM-7',
      segments: 1,
    });
    expect(measureSms('Fenêtre')).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    expect(measureSms('façade')).toMatchObject({ encoding: 'UCS-2' });
    expect(measureSms('Merci 🙂')).toMatchObject({ encoding: 'UCS-2' });
    expect(measureSms('x'.repeat(160))).toMatchObject({ segments: 1, length: 160 });
    expect(measureSms('x'.repeat(161))).toMatchObject({ segments: 2 });
    expect(measureSms('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', segments: 1, length: 160 });
    for (const char of [
      'é',
      'è',
      'à',
      'ù',
      'ì',
      'ò',
      'Ç',
      'É',
      'ê',
      'â',
      'î',
      'ô',
      'û',
      'ë',
      'ï',
      'ç',
      '€',
      '’',
      '«',
      '[',
    ]) {
      expect(isGsm7(char), char).toBe(new SegmentedMessage(char).encodingName === 'GSM-7');
    }
  });

  it('transliterates what forces UCS-2 and keeps what GSM-7 has', () => {
    expect(transliterate('Fenêtre, façade, île, côté, dûment, Noël, maïs, Œuvre, « devis » – l’accès…')).toBe(
      'Fenetre, facade, ile, coté, dument, Noel, mais, OEuvre, " devis " - l\'accès...',
    );
    expect(transliterate('é è à ù ì ò Ç É ä ö ñ ü')).toBe('é è à ù ì ò Ç É ä ö ñ ü');
    expect(nonGsmCharacters(transliterate('Ångström ĉ ŝ ğ'))).toEqual([]);
    expect(nonGsmCharacters('Ça coûte 5 € 🙂')).toEqual(['û', '🙂']);
  });
});
