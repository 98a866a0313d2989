import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { fold, visitInvitation, visitUid, type VisitInvitationInput } from '../../../src/render/ical.js';

/** Each invitation is parsed back by an independent parser (ical.js, Mozilla's). */

const base: VisitInvitationInput = {
  uid: visitUid('iv-42', 'orion-telecom.example'),
  sequence: 0,
  method: 'REQUEST',
  start: '2026-04-28T08:00:00+02:00',
  end: '2026-04-28T12:00:00+02:00',
  summary: 'Intervention Orion Télécom : raccordement de votre accès',
  description:
    'Arrivée du technicien entre 8 h et 12 h, durée estimée 2 heures.\nPrévoyez l’accès au local technique; merci, à bientôt.',
  location: 'Pharmacie Castelnau, 12 avenue de l’Europe, 34170 Castelnau-le-Lez',
  organizer: { name: 'Léa Laurent', email: 'l.laurent@orion-telecom.example' },
  attendees: [{ name: 'Madame Lambert', email: 'l.lambert@fournil.example' }],
  product: 'Orion Télécom',
  stamp: new Date('2026-04-20T09:00:00Z'),
};

function parse(content: string) {
  const calendar = new ICAL.Component(ICAL.parse(content));
  const event = calendar.getFirstSubcomponent('vevent');
  if (!event) throw new Error('no VEVENT');
  return { calendar, event };
}

describe('visit invitation', () => {
  it('is a METHOD:REQUEST event over the arrival window, at the site, organised by the RAC', () => {
    const invitation = visitInvitation(base);
    expect(invitation).toMatchObject({
      method: 'REQUEST',
      filename: 'invitation.ics',
      contentType: 'text/calendar; method=REQUEST; charset=utf-8',
    });
    const { calendar, event } = parse(invitation.content);
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
    const ev = new ICAL.Event(event);
    expect(ev.uid).toBe('visit-iv-42@orion-telecom.example');
    expect(ev.sequence).toBe(0);
    expect(ev.startDate.toJSDate().toISOString()).toBe('2026-04-28T06:00:00.000Z');
    expect(ev.endDate.toJSDate().toISOString()).toBe('2026-04-28T10:00:00.000Z');
    expect(ev.summary).toBe(base.summary);
    expect(ev.description).toBe(base.description);
    expect(ev.location).toBe(base.location);
    expect(ev.organizer).toBe('mailto:l.laurent@orion-telecom.example');
    expect(event.getFirstProperty('organizer')?.getParameter('cn')).toBe('Léa Laurent');
    expect(ev.attendees.map((attendee) => attendee.getFirstValue())).toEqual(['mailto:l.lambert@fournil.example']);
    expect(event.getFirstPropertyValue('status')).toBe('CONFIRMED');
  });

  it('keeps the UID for a modification, with a higher SEQUENCE, and cancels with METHOD:CANCEL', () => {
    const moved = parse(
      visitInvitation({ ...base, sequence: 1, start: '2026-04-29T13:00:00+02:00', end: '2026-04-29T17:00:00+02:00' })
        .content,
    );
    expect(new ICAL.Event(moved.event).uid).toBe(visitUid('iv-42', 'orion-telecom.example'));
    expect(new ICAL.Event(moved.event).sequence).toBe(1);
    expect(new ICAL.Event(moved.event).startDate.toJSDate().toISOString()).toBe('2026-04-29T11:00:00.000Z');

    const cancel = visitInvitation({ ...base, method: 'CANCEL', sequence: 2 });
    expect(cancel).toMatchObject({ method: 'CANCEL', contentType: 'text/calendar; method=CANCEL; charset=utf-8' });
    const cancelled = parse(cancel.content);
    expect(cancelled.calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(new ICAL.Event(cancelled.event).uid).toBe(visitUid('iv-42', 'orion-telecom.example'));
    expect(new ICAL.Event(cancelled.event).sequence).toBe(2);
    expect(cancelled.event.getFirstPropertyValue('status')).toBe('CANCELLED');
  });

  it('writes CRLF lines of at most 75 octets, folded between characters, and escapes text', () => {
    const long = { ...base, location: `${'Agence Élancourt — Île-de-France, '.repeat(6)}fin` };
    const { content } = visitInvitation(long);
    for (const line of content.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(content).not.toMatch(/[^\r]\n/);
    expect(content).not.toContain('\uFFFD');
    expect(new ICAL.Event(parse(content).event).location).toBe(long.location);
    expect(content).toContain('l’accès au local technique\\; merci\\, à bientôt.');
    expect(fold('é'.repeat(40))).toBe(`${'é'.repeat(37)}\r\n ${'é'.repeat(3)}`);
  });

  it('cannot be broken by a name or an address holding quotes, line breaks or bidi controls', () => {
    const hostile = visitInvitation({
      ...base,
      organizer: { name: 'Léa "x"\r\nATTENDEE:mailto:evil@example.org', email: 'l.laurent@orion-telecom.example' },
      location: 'Rue \u202eevil\nBEGIN:VEVENT',
    });
    const { calendar, event } = parse(hostile.content);
    expect(calendar.getAllSubcomponents('vevent')).toHaveLength(1);
    expect(new ICAL.Event(event).attendees).toHaveLength(1);
    expect(new ICAL.Event(event).location).toBe('Rue evil\nBEGIN:VEVENT');
  });

  it('refuses a window that ends before it starts and a negative sequence', () => {
    expect(() => visitInvitation({ ...base, end: base.start })).toThrow(/end must be after start/);
    expect(() => visitInvitation({ ...base, sequence: -1 })).toThrow(/sequence/);
  });
});
