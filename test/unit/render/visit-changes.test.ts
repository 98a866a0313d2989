import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Renderer } from '../../../src/render/index.js';
import { asEmail, asSms, fixture, newRenderer, thrown } from './support.js';

/** The messages of a visit that changes, and the calendar invitation its emails carry. */

let renderer: Renderer;
beforeAll(async () => {
  renderer = await newRenderer();
});
afterAll(() => renderer.close());

const project = fixture('CMD-2026-000104');
const visit = {
  siteRef: 'SU1040001',
  kind: 'access',
  windowStart: '2026-12-10T08:00:00+01:00',
  windowEnd: '2026-12-10T12:00:00+01:00',
};
const invitation = {
  visitId: 'CMD-2026-000104-v1',
  sequence: 0,
  stamp: new Date('2026-12-07T09:00:00Z'),
  attendees: [{ name: 'Louis Roux', email: 'l.roux@lavande.example' }],
};
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

function event(content: string | undefined) {
  const calendar = new ICAL.Component(ICAL.parse(content ?? ''));
  return {
    method: calendar.getFirstPropertyValue('method'),
    event: new ICAL.Event(calendar.getFirstSubcomponent('vevent')!),
  };
}

describe('calendar invitation of a visit notice', () => {
  it('is the arrival window at the site, organised by the RAC, for the people addressed', () => {
    const result = asEmail(renderer.render('avis-intervention', { project, data: visit, invitation }));
    expect(result.calendar).toMatchObject({ method: 'REQUEST', filename: 'invitation.ics' });
    const read = event(result.calendar?.content);
    expect(read.method).toBe('REQUEST');
    expect(read.event.uid).toBe('visit-CMD-2026-000104-v1@orion-telecom.example');
    expect(read.event.sequence).toBe(0);
    expect(read.event.startDate.toJSDate().toISOString()).toBe('2026-12-10T07:00:00.000Z');
    expect(read.event.endDate.toJSDate().toISOString()).toBe('2026-12-10T11:00:00.000Z');
    expect(read.event.location).toBe('136 avenue Jean Jaurès, 83600 Fréjus');
    expect(read.event.summary).toBe('Orion Télécom : raccordement de votre accès (Siège Fréjus)');
    expect(String(read.event.organizer)).toBe(`mailto:${project.rac.email}`);
    expect(read.event.attendees.map((a) => String(a.getFirstValue()))).toEqual(['mailto:l.roux@lavande.example']);
  });

  it('is absent from a message that belongs to no visit, and from an email about no event', () => {
    expect(asEmail(renderer.render('avis-intervention', { project, data: visit })).calendar).toBeUndefined();
    expect(asEmail(renderer.render('accuse-reception', { project, invitation })).calendar).toBeUndefined();
  });

  it('the cancellation withdraws the same event', () => {
    const result = asEmail(
      renderer.render('annulation-intervention', { project, data: visit, invitation: { ...invitation, sequence: 2 } }),
    );
    expect(result.calendar).toMatchObject({ method: 'CANCEL', filename: 'annulation.ics' });
    const read = event(result.calendar?.content);
    expect(read.method).toBe('CANCEL');
    expect(read.event.uid).toBe('visit-CMD-2026-000104-v1@orion-telecom.example');
    expect(read.event.sequence).toBe(2);
    expect(result.subject).toBe('Intervention du 10 décembre 2026 sur votre site Siège Fréjus annulée');
    expect(plain(result.text)).toContain(
      'L’intervention de notre technicien prévue le jeudi 10 décembre 2026 entre 8 h et 12 h sur votre site Siège Fréjus est annulée.',
    );
  });
});

describe('modification notice', () => {
  const moved = (change: Record<string, unknown>) =>
    asEmail(
      renderer.render('modification-intervention', {
        project,
        data: { ...visit, ...change, previous: visit },
        invitation: { ...invitation, sequence: 1 },
      }),
    );

  it('says what changed: only the hours', () => {
    const result = moved({ windowStart: '2026-12-10T13:00:00+01:00', windowEnd: '2026-12-10T17:00:00+01:00' });
    expect(result.subject).toBe('Intervention du 10 décembre 2026 sur votre site Siège Fréjus : nouvel horaire');
    const text = plain(result.text);
    expect(text).toContain(
      'Ce qui change :\n- Arrivée du technicien : entre 13 h et 17 h (et non plus entre 8 h et 12 h)\n\n',
    );
    expect(text).not.toContain('- Date : jeudi 10 décembre 2026 (et non plus');
    expect(event(result.calendar?.content).event.sequence).toBe(1);
    expect(result.warnings).toEqual([]);
  });

  it('says what changed: the day and the site', () => {
    const result = moved({
      siteRef: 'SU1040003',
      windowStart: '2026-12-11T08:00:00+01:00',
      windowEnd: '2026-12-11T12:00:00+01:00',
    });
    expect(plain(result.subject)).toBe(
      'Nouvelle date pour l’intervention sur votre site Agence Sainte-Maxime 3 : 11 décembre 2026',
    );
    const text = plain(result.text);
    expect(text).toContain('- Date : vendredi 11 décembre 2026 (et non plus jeudi 10 décembre 2026)');
    expect(text).toContain('- Site : Agence Sainte-Maxime 3 (et non plus Siège Fréjus)');
    expect(text).not.toContain('- Arrivée du technicien : entre 8 h et 12 h (et non plus');
    expect(text).toContain(
      'Je vous avais annoncé l’intervention d’un technicien le jeudi 10 décembre 2026 entre 8 h et 12 h sur votre site Siège Fréjus.',
    );
    expect(event(result.calendar?.content).event.location).toContain('Sainte-Maxime');
  });

  it('warns when there is nothing to announce', () => {
    expect(moved({}).warnings).toContain('the visit is as the client was last told: there is no change to announce');
  });
});

describe('one SMS for the visits of a day', () => {
  const afternoon = {
    siteRef: 'SU1040003',
    kind: 'service',
    windowStart: '2026-12-10T13:00:00+01:00',
    windowEnd: '2026-12-10T17:00:00+01:00',
  };

  it('names both visits in one segment, saying what was shortened', () => {
    const sms = asSms(renderer.render('rappel-intervention', { project, data: { ...visit, others: [afternoon] } }));
    expect(sms.body).toBe(
      'Orion Télécom : 2 interventions le jeudi 10/12 8h-12h, site Siège Fréjus, puis 13h-17h, site Ag. Ste-Maxime 3. Votre RAC : 06 39 98 01 71',
    );
    expect(sms).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(sms.warnings).toContain(
      'the preparation phrase was left out to fit one SMS segment (the notices say what to prepare)',
    );
  });

  it('refuses a visit of another day, naming it', () => {
    const error = thrown(() =>
      renderer.render('rappel-intervention', {
        project,
        data: {
          ...visit,
          others: [{ ...afternoon, windowStart: '2026-12-11T13:00:00+01:00', windowEnd: '2026-12-11T17:00:00+01:00' }],
        },
      }),
    );
    expect(error.statusCode).toBe(400);
    expect(JSON.stringify(error.details)).toContain('data.others.0.windowStart');
  });

  it('cancellation SMS: the visit, the site and the RAC in one GSM-7 segment', () => {
    const sms = asSms(renderer.render('annulation-intervention-sms', { project, data: visit }));
    expect(sms.body).toBe(
      "Orion Télécom : l'intervention du jeudi 10/12 entre 8h et 12h, site Siège Fréjus, est annulée. Rien à prévoir sur place. Votre RAC : 06 39 98 01 71",
    );
    expect(sms).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });
});
