import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/db.js';
import { loadFixture } from '../helpers/fixtures.js';

// The service clock is set by configuration (CLOCK_OFFSET_MS) to Monday 7 December 2026, 10:00 Paris.
const NOW = Date.parse('2026-12-07T10:00:00+01:00');
const fixture = loadFixture('CMD-2026-000104');
const REF = fixture.orderNumber;
const SITE = 'SU1040005'; // Digne-les-Bains, contact ct-2 (Baptiste Girard)

describe.each(BACKENDS)('interventions on %s', (backend) => {
  let t: TestApp;
  const url = (id: string) => `/v1/projects/${REF}/interventions/${id}`;
  const book = (id: string, payload: Record<string, unknown>) =>
    t.request(t.adminKey, { method: 'PUT', url: url(id), payload: { siteRef: SITE, kind: 'access', ...payload } });
  const message = async (id: string) =>
    (await t.request(t.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json();
  const events = async () => {
    const result = await t.deps.db.execute(
      sql`select type, data from history_events where project_ref = ${REF} order by id`,
    );
    return (result as { rows: { type: string; data: Record<string, unknown> }[] }).rows;
  };

  beforeAll(async () => {
    t = await createTestApp(backend, { CLOCK_OFFSET_MS: String(NOW - Date.now()) });
    expect(
      (await t.request(t.adminKey, { method: 'PUT', url: `/v1/projects/${REF}`, payload: fixture })).statusCode,
    ).toBe(201);
  });
  afterAll(async () => t?.close());

  it('books a visit: notice 48 h before, SMS the evening before at 18:00, to the site contact', async () => {
    const response = await book('visit-1', {
      windowStart: '2026-12-10T08:00:00+01:00',
      windowEnd: '2026-12-10T12:00:00+01:00',
    });
    expect(response.statusCode, response.body).toBe(201);
    const visit = response.json();
    expect(visit).toMatchObject({
      id: 'visit-1',
      status: 'booked',
      contactId: 'ct-2',
      windowStart: '2026-12-10T08:00:00.000+01:00',
    });
    const [notice, reminder] = visit.reminders;
    expect(notice).toMatchObject({
      template: 'avis-intervention',
      status: 'scheduled',
      sendAt: '2026-12-08T07:00:00.000Z',
    });
    expect(reminder).toMatchObject({
      template: 'rappel-intervention',
      status: 'scheduled',
      sendAt: '2026-12-09T17:00:00.000Z',
    });
    const sms = await message(reminder.messageId);
    expect(sms.to).toEqual([{ address: '+33639972611', name: 'Baptiste Girard', contactId: 'ct-2' }]);
    expect(sms.content.body).toMatch(/jeudi 10 décembre|10\/12/);
    expect(sms.content).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(sms.interventionId).toBe('visit-1');
  });

  it('moves with the visit: same messages, new times, new content, and never on a Sunday', async () => {
    const before = (
      await book('visit-2', { windowStart: '2026-12-11T13:00:00+01:00', windowEnd: '2026-12-11T17:00:00+01:00' })
    ).json();
    const moved = await book('visit-2', {
      windowStart: '2026-12-14T13:00:00+01:00',
      windowEnd: '2026-12-14T17:00:00+01:00',
    });
    expect(moved.statusCode).toBe(200);
    const after = moved.json();
    expect(after.reminders.map((r: { messageId: string }) => r.messageId)).toEqual(
      before.reminders.map((r: { messageId: string }) => r.messageId),
    );
    // Notice: Saturday 12 December 13:00. Reminder: Sunday 18:00 is not allowed, so Saturday 20:00.
    expect(after.reminders[0].sendAt).toBe('2026-12-12T12:00:00.000Z');
    expect(after.reminders[1].sendAt).toBe('2026-12-12T19:00:00.000Z');
    const sms = await message(after.reminders[1].messageId);
    expect(sms.content.body).toMatch(/lundi 14|14\/12/);
    expect(sms.status).toBe('scheduled');
    const types = (await events()).filter(
      (e) => e.data.interventionId === 'visit-2' || e.data.messageId === after.reminders[1].messageId,
    );
    expect(types.map((e) => e.type)).toEqual(
      expect.arrayContaining(['intervention.booked', 'intervention.moved', 'message.rescheduled']),
    );
  });

  it('cancels with the visit: pending reminders are cancelled, and the history says so', async () => {
    const booked = (
      await book('visit-3', { windowStart: '2026-12-11T08:00:00+01:00', windowEnd: '2026-12-11T12:00:00+01:00' })
    ).json();
    const cancelled = await t.request(t.adminKey, { method: 'DELETE', url: url('visit-3') });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().status).toBe('cancelled');
    for (const reminder of booked.reminders) expect((await message(reminder.messageId)).status).toBe('cancelled');
    const types = (await events()).filter((e) => e.data.interventionId === 'visit-3').map((e) => e.type);
    expect(types).toEqual(['intervention.booked', 'intervention.cancelled']);
    expect((await t.request(t.adminKey, { method: 'DELETE', url: url('visit-3') })).statusCode).toBe(200);
    expect((await t.request(t.adminKey, { method: 'DELETE', url: url('nope') })).statusCode).toBe(404);
  });

  it('a booking too late for the SMS is recorded as skipped, with the reason', async () => {
    // Booked Monday 10:00 for Monday 14:00: the evening before has passed.
    const response = await book('visit-4', {
      windowStart: '2026-12-07T14:00:00+01:00',
      windowEnd: '2026-12-07T18:00:00+01:00',
    });
    const [notice, reminder] = response.json().reminders;
    expect(notice.status).toBe('scheduled'); // the notice goes at once
    expect(Date.parse(notice.sendAt) - NOW).toBeLessThan(60_000);
    expect(reminder).toMatchObject({ template: 'rappel-intervention', skipped: 'reminder_time_passed' });
    const skipped = (await events()).find((e) => e.type === 'reminder.skipped' && e.data.interventionId === 'visit-4');
    expect(skipped?.data).toMatchObject({ template: 'rappel-intervention', reason: 'reminder_time_passed' });
  });

  it('a contact without a mobile gets a recorded skip of the SMS, never a silent loss', async () => {
    const noMobile = structuredClone(fixture);
    noMobile.orderNumber = 'CMD-NO-MOBILE';
    delete noMobile.contacts[1]!.mobile;
    await t.request(t.adminKey, { method: 'PUT', url: '/v1/projects/CMD-NO-MOBILE', payload: noMobile });
    const response = await t.request(t.adminKey, {
      method: 'PUT',
      url: '/v1/projects/CMD-NO-MOBILE/interventions/v1',
      payload: {
        siteRef: SITE,
        kind: 'service',
        windowStart: '2026-12-10T08:00:00+01:00',
        windowEnd: '2026-12-10T12:00:00+01:00',
      },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().reminders[1]).toMatchObject({ skipped: 'no_mobile' });
  });

  it('a reminder that still takes two SMS segments says so in the booking answer', async () => {
    const long = structuredClone(fixture);
    long.orderNumber = 'CMD-LONG-NAME';
    long.sites = long.sites.map((site) =>
      site.ref === SITE
        ? { ...site, name: 'Laboratoire départemental d analyses vétérinaires et alimentaires de Haute-Provence' }
        : site,
    );
    await t.request(t.adminKey, { method: 'PUT', url: '/v1/projects/CMD-LONG-NAME', payload: long });
    const response = await t.request(t.adminKey, {
      method: 'PUT',
      url: '/v1/projects/CMD-LONG-NAME/interventions/v1',
      payload: {
        siteRef: SITE,
        kind: 'access',
        windowStart: '2026-12-10T08:00:00+01:00',
        windowEnd: '2026-12-10T12:00:00+01:00',
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    const reminder = response.json().reminders[1];
    expect(reminder).toMatchObject({ template: 'rappel-intervention', status: 'scheduled', segments: 2 });
    expect(reminder.warnings).toContainEqual(
      expect.stringMatching(/^the SMS takes 2 segments \(\d+ characters, GSM-7\)$/),
    );
    expect(reminder.warnings).toContainEqual(expect.stringMatching(/^the preparation phrase was shortened/));
    // One that fits says nothing.
    const fits = (
      await book('visit-fits', { windowStart: '2026-12-15T08:00:00+01:00', windowEnd: '2026-12-15T12:00:00+01:00' })
    ).json();
    expect(fits.reminders[1]).toMatchObject({ segments: 1 });
    expect(fits.reminders[1].warnings).toBeUndefined();
  });

  it('two visits of one day for one person share one SMS; cancelling the first hands it to the second', async () => {
    // ct-4 is the contact of both sites.
    const put = (id: string, siteRef: string, windowStart: string, windowEnd: string) =>
      t.request(t.adminKey, {
        method: 'PUT',
        url: url(id),
        payload: { siteRef, kind: 'service', windowStart, windowEnd },
      });
    const afternoon = (await put('pm', 'SU1040003', '2026-12-16T13:00:00+01:00', '2026-12-16T17:00:00+01:00')).json();
    const own = afternoon.reminders[1];
    expect(own).toMatchObject({ template: 'rappel-intervention', status: 'scheduled' });
    const morning = (await put('am', 'SU1040001', '2026-12-16T08:00:00+01:00', '2026-12-16T12:00:00+01:00')).json();
    const shared = morning.reminders[1];
    expect(shared).toMatchObject({
      template: 'rappel-intervention',
      status: 'scheduled',
      sendAt: '2026-12-15T17:00:00.000Z',
    });
    // The earlier visit carries the day's SMS; the later one's own is withdrawn.
    expect((await message(own.messageId)).status).toBe('cancelled');
    const body = (await message(shared.messageId)).content.body as string;
    expect(body).toMatch(/^Orion Télécom : 2 interventions le mercredi 16\/12 /);
    expect(body).toContain('Siège Fréjus');
    expect(body).toMatch(/(Agence|Ag\.) (Sainte|Ste)-Maxime 3/);
    // Moving the afternoon within the day keeps one SMS, rendered again.
    const moved = (await put('pm', 'SU1040003', '2026-12-16T14:00:00+01:00', '2026-12-16T18:00:00+01:00')).json();
    expect(moved.reminders[1]).toMatchObject({ skipped: 'same_day', messageId: shared.messageId });
    expect((await message(shared.messageId)).content.body).toMatch(/14h/);

    expect((await t.request(t.adminKey, { method: 'DELETE', url: url('am') })).statusCode).toBe(200);
    expect((await message(shared.messageId)).status).toBe('cancelled');
    const reminders = (
      (await t.deps.db.execute(
        sql`select id, intervention_id as visit, sms_body as body from messages
            where project_ref = ${REF} and template_key = 'rappel-intervention' and status = 'scheduled'
              and intervention_id in ('am', 'pm')`,
      )) as unknown as { rows: { id: string; visit: string; body: string }[] }
    ).rows;
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toMatchObject({ visit: 'pm' });
    expect(reminders[0]!.body).toMatch(
      /: intervention le mercredi 16\/12 entre 14h et 18h, site (Agence|Ag\.) (Sainte|Ste)-Maxime 3\./,
    );
  });

  it.each([
    ['an unknown site', { siteRef: 'SU9999999' }, 'body.siteRef'],
    ['an unknown contact', { contactId: 'ct-99' }, 'body.contactId'],
    [
      'a window in the past',
      { windowStart: '2026-12-01T08:00:00+01:00', windowEnd: '2026-12-01T12:00:00+01:00' },
      'body.windowStart',
    ],
    [
      'an end before the start',
      { windowStart: '2026-12-10T12:00:00+01:00', windowEnd: '2026-12-10T08:00:00+01:00' },
      'body.windowEnd',
    ],
    [
      'a time without offset',
      { windowStart: '2026-12-10T08:00:00', windowEnd: '2026-12-10T12:00:00+01:00' },
      'body.windowStart',
    ],
    ['a kind that is neither access nor service', { kind: 'both' }, 'body.kind'],
  ])('refuses %s, naming the field, and stores nothing', async (_name, change, path) => {
    const count = async () =>
      (
        (await t.deps.db.execute(
          sql`select (select count(*) from interventions)::int + (select count(*) from messages)::int as n`,
        )) as unknown as {
          rows: { n: number }[];
        }
      ).rows[0]?.n;
    const before = await count();
    const response = await book('bad', {
      windowStart: '2026-12-10T08:00:00+01:00',
      windowEnd: '2026-12-10T12:00:00+01:00',
      ...change,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await count()).toBe(before);
  });
});
