import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invitationOf } from '../helpers/calendar.js';
import { loadFixture } from '../helpers/fixtures.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';

/**
 * What the client hears when a visit they were told of changes: read back from the real SMTP
 * server (mail and calendar invitation) and the Twilio client against its fake API.
 */

// The service clock is set by configuration to Monday 7 December 2026, 10:00 Paris.
const NOW = Date.parse('2026-12-07T10:00:00+01:00');
const fixture = loadFixture('CMD-2026-000104');
const REF = fixture.orderNumber;
const uid = (visit: string) => `visit-${REF}-${visit}@orion-telecom.example`;

/** Text with its no-break spaces (French typography) read as spaces. */
const plain = (text: string | undefined) => (text ?? '').replace(/[\u00a0\u202f]/g, ' ');

interface Reminder {
  template: string;
  messageId?: string;
  status?: string;
  sendAt?: string;
  skipped?: string;
}

describe('a visit that changes after its notice (PostgreSQL)', () => {
  let p: Pipeline;
  const url = (id: string) => `/v1/projects/${REF}/interventions/${id}`;
  const book = async (id: string, siteRef: string, windowStart: string, windowEnd: string) => {
    const response = await p.request(p.adminKey, {
      method: 'PUT',
      url: url(id),
      payload: { siteRef, kind: 'access', windowStart, windowEnd },
    });
    expect(response.statusCode, response.body).toBeLessThan(300);
    return response.json().reminders as Reminder[];
  };
  const cancel = async (id: string) => {
    const response = await p.request(p.adminKey, { method: 'DELETE', url: url(id) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().reminders as Reminder[];
  };
  const message = async (id: string) =>
    (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json();
  const messagesOf = async (visit: string) =>
    (
      (await p.deps.db.execute(
        sql`select id, template_key as template, status, send_at as "sendAt" from messages
            where project_ref = ${REF} and intervention_id = ${visit} order by created_at`,
      )) as unknown as { rows: { id: string; template: string; status: string; sendAt: Date }[] }
    ).rows;
  /** The mails of a visit at the SMTP server, in the order they arrived. */
  const mailsOf = async (visit: string) => {
    const ids = new Set((await messagesOf(visit)).map((m) => m.id));
    return p.smtp.received.filter((r) => ids.has(r.mail.headers.get('x-jalon-message-id') as string));
  };
  const sent = async (reminders: Reminder[], template: string) => {
    const id = reminders.find((r) => r.template === template)?.messageId;
    expect(id, `${template} in ${JSON.stringify(reminders)}`).toBeDefined();
    await p.waitForStatus(id!, ['sent']);
    return id!;
  };

  beforeAll(async () => {
    p = await createPipeline('postgres', { CLOCK_OFFSET_MS: String(NOW - Date.now()) });
    const put = await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${REF}`, payload: fixture });
    expect(put.statusCode).toBe(201);
  });
  afterAll(async () => p?.close());

  it('moved, then cancelled: one modification, one cancellation, the same event in the calendar', async () => {
    // Tuesday 14:00, 28 h ahead: the notice goes at once, the SMS this evening at 18:00.
    const booked = await book('moving', 'SU1040005', '2026-12-08T14:00:00+01:00', '2026-12-08T18:00:00+01:00');
    const noticeId = await sent(booked, 'avis-intervention');
    const reminder = booked.find((r) => r.template === 'rappel-intervention')!;
    expect(reminder).toMatchObject({ status: 'scheduled', sendAt: '2026-12-07T17:00:00.000Z' });
    let mails = await mailsOf('moving');
    expect(mails).toHaveLength(1);
    const first = invitationOf(mails[0]!.mail);
    expect(first).toMatchObject({
      method: 'REQUEST',
      uid: uid('moving'),
      sequence: 0,
      status: 'CONFIRMED',
      start: '2026-12-08T13:00:00.000Z',
      end: '2026-12-08T17:00:00.000Z',
      organizer: `mailto:${fixture.rac.email}`,
      attendees: ['mailto:b.girard@lavande.example'],
    });
    const site = fixture.sites.find((s) => s.ref === 'SU1040005')!;
    expect(first?.location).toBe(`${site.address}, ${site.postalCode} ${site.city}`);
    expect(mails[0]!.raw.toString('utf8')).toMatch(/Content-Type: text\/calendar; charset=utf-8; method=REQUEST/i);

    // Moved to Wednesday 8:00: a modification now, the SMS on Tuesday evening.
    const moved = await book('moving', 'SU1040005', '2026-12-09T08:00:00+01:00', '2026-12-09T12:00:00+01:00');
    const modificationId = await sent(moved, 'modification-intervention');
    expect(moved.find((r) => r.template === 'rappel-intervention')).toMatchObject({
      messageId: reminder.messageId,
      status: 'scheduled',
      sendAt: '2026-12-08T17:00:00.000Z',
    });
    expect((await message(reminder.messageId!)).content.body).toContain('mercredi 09/12 entre 8h et 12h');
    mails = await mailsOf('moving');
    expect(mails.map((m) => m.mail.headers.get('x-jalon-message-id'))).toEqual([noticeId, modificationId]);
    const modification = mails[1]!.mail;
    expect(modification.subject).toContain('Nouvelle date');
    expect(plain(modification.text)).toContain('Date : mercredi 9 décembre 2026 (et non plus mardi 8 décembre 2026)');
    expect(invitationOf(modification)).toMatchObject({
      method: 'REQUEST',
      uid: uid('moving'),
      sequence: 1,
      start: '2026-12-09T07:00:00.000Z',
      end: '2026-12-09T11:00:00.000Z',
    });

    // Cancelled 46 h ahead: a cancellation by email and by SMS, the reminder withdrawn.
    const smsBefore = p.twilio.accepted.length;
    const cancelled = await cancel('moving');
    const cancellationId = await sent(cancelled, 'annulation-intervention');
    const smsId = await sent(cancelled, 'annulation-intervention-sms');
    expect((await message(reminder.messageId!)).status).toBe('cancelled');
    mails = await mailsOf('moving');
    expect(mails.map((m) => m.mail.headers.get('x-jalon-message-id'))).toEqual([
      noticeId,
      modificationId,
      cancellationId,
    ]);
    expect(mails[2]!.mail.subject).toContain('annulée');
    expect(plain(mails[2]!.mail.text)).toContain('prévue le mercredi 9 décembre 2026 entre 8 h et 12 h');
    expect(invitationOf(mails[2]!.mail)).toMatchObject({
      method: 'CANCEL',
      uid: uid('moving'),
      sequence: 2,
      status: 'CANCELLED',
      start: '2026-12-09T07:00:00.000Z',
    });
    const sms = p.twilio.accepted.slice(smsBefore);
    expect(sms).toHaveLength(1);
    expect(sms[0]!.params.To).toBe('+33639972611');
    expect(sms[0]!.params.Body).toContain("l'intervention du mercredi 09/12 entre 8h et 12h");
    expect(sms[0]!.params.Body).toContain('est annulée');
    expect((await message(smsId)).status).toBe('sent');

    // Cancelling again tells nobody anything new.
    await cancel('moving');
    expect(await messagesOf('moving')).toHaveLength(5);
  });

  it('a cancellation more than 48 h ahead goes by email only', async () => {
    const booked = await book('far', 'SU1040006', '2026-12-08T08:00:00+01:00', '2026-12-08T12:00:00+01:00');
    await sent(booked, 'avis-intervention');
    await sent(
      await book('far', 'SU1040006', '2026-12-21T08:00:00+01:00', '2026-12-21T12:00:00+01:00'),
      'modification-intervention',
    );
    const cancelled = await cancel('far');
    await sent(cancelled, 'annulation-intervention');
    expect(cancelled.map((r) => r.template)).not.toContain('annulation-intervention-sms');
    expect((await messagesOf('far')).map((m) => [m.template, m.status])).toEqual([
      ['avis-intervention', 'sent'],
      ['rappel-intervention', 'cancelled'],
      ['modification-intervention', 'sent'],
      ['annulation-intervention', 'sent'],
    ]);
    expect(invitationOf((await mailsOf('far')).at(-1)!.mail)).toMatchObject({ method: 'CANCEL', sequence: 2 });
  });

  it('moved or cancelled before the notice went out: no mail, the pending messages follow', async () => {
    const booked = await book('early', 'SU1040004', '2026-12-21T13:00:00+01:00', '2026-12-21T17:00:00+01:00');
    const moved = await book('early', 'SU1040004', '2026-12-22T13:00:00+01:00', '2026-12-22T17:00:00+01:00');
    expect(moved.map((r) => r.messageId)).toEqual(booked.map((r) => r.messageId));
    expect(moved[0]).toMatchObject({ template: 'avis-intervention', sendAt: '2026-12-20T12:00:00.000Z' });
    const notice = await message(moved[0]!.messageId!);
    expect(notice.status).toBe('scheduled');
    expect(notice.content.text).toContain('mardi 22 décembre 2026');
    // The notice still to go carries the invitation the client will get, at the first SEQUENCE.
    expect(notice.content.calendar.method).toBe('REQUEST');
    expect(notice.content.calendar.content).toMatch(/\r\nSEQUENCE:0\r\n[\s\S]*DTSTART:20261222T120000Z/);

    await cancel('early');
    expect((await messagesOf('early')).map((m) => [m.template, m.status])).toEqual([
      ['avis-intervention', 'cancelled'],
      ['rappel-intervention', 'cancelled'],
    ]);
    expect(await mailsOf('early')).toEqual([]);
  });

  it('two visits of one day for one person: one SMS that names both', async () => {
    // ct-4 is the contact of both sites.
    const morning = await book('morning', 'SU1040001', '2026-12-10T08:00:00+01:00', '2026-12-10T12:00:00+01:00');
    const afternoon = await book('afternoon', 'SU1040003', '2026-12-10T13:00:00+01:00', '2026-12-10T17:00:00+01:00');
    const reminder = morning.find((r) => r.template === 'rappel-intervention')!;
    expect(afternoon.find((r) => r.template === 'rappel-intervention')).toMatchObject({
      skipped: 'same_day',
      messageId: reminder.messageId,
    });
    expect((await messagesOf('afternoon')).filter((m) => m.template === 'rappel-intervention')).toEqual([]);

    // Its evening comes (late, say): one SMS goes, naming both visits.
    const before = p.twilio.accepted.length;
    await p.deps.db.execute(sql`update messages set send_at = ${p.deps.now().toISOString()}::timestamptz
      where id = ${reminder.messageId!}`);
    await p.deps.producer.remove({ id: reminder.messageId!, channel: 'sms' });
    await p.deps.producer.enqueue({ id: reminder.messageId!, channel: 'sms', sendAt: p.deps.now() });
    await p.waitForStatus(reminder.messageId!, ['sent']);
    const sms = p.twilio.accepted.slice(before).filter((r) => r.params.To === '+33639973030');
    expect(sms).toHaveLength(1);
    expect(sms[0]!.params.Body).toMatch(
      /^Orion Télécom : 2 interventions le jeudi 10\/12 (entre 8h et 12h|8h-12h), site Siège Fréjus, puis (entre 13h et 17h|13h-17h), site (Agence|Ag\.) (Sainte|Ste)-Maxime 3\./,
    );
  });

  it('a visit cancelled once its window has started: the cancellation still goes, by email and SMS', async () => {
    const booked = await book('started', 'SU1040002', '2026-12-07T11:00:00+01:00', '2026-12-07T15:00:00+01:00');
    expect(booked.find((r) => r.template === 'rappel-intervention')).toMatchObject({ skipped: 'reminder_time_passed' });
    await sent(booked, 'avis-intervention');
    // The technician is late and the visit is called off after its window opened.
    const opened = new Date(p.deps.now().getTime() - 600_000).toISOString();
    await p.deps.db.execute(sql`update interventions set window_start = ${opened}::timestamptz where id = 'started'`);
    const cancelled = await cancel('started');
    await sent(cancelled, 'annulation-intervention');
    await sent(cancelled, 'annulation-intervention-sms');
    const events = await p.events(REF);
    const ids = new Set((await messagesOf('started')).map((m) => m.id));
    expect(events.filter((e) => e.type === 'message.skipped' && ids.has(String(e.data.messageId)))).toEqual([]);
  });
});
