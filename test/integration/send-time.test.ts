import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/agencies/settings.js';
import { smsHoursOffsetMs } from '../helpers/clock.js';
import { loadFixture } from '../helpers/fixtures.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/process.js';

/** What is checked again when a message's job runs, however late it runs. */
describe('rules checked at send time (PostgreSQL)', () => {
  let p: Pipeline;
  const fixture = loadFixture('CMD-2026-000101');
  beforeAll(async () => {
    p = await createPipeline('postgres', { CLOCK_OFFSET_MS: String(smsHoursOffsetMs()) }, { workers: false });
    await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${fixture.orderNumber}`, payload: fixture });
  });
  afterAll(async () => p?.close());

  it('skips a visit reminder whose job runs once the visit has started, and says why', async () => {
    const start = DateTime.fromJSDate(p.deps.now()).setZone('Europe/Paris').plus({ days: 3 }).set({ hour: 8 });
    const booked = await p.request(p.adminKey, {
      method: 'PUT',
      url: `/v1/projects/${fixture.orderNumber}/interventions/late`,
      payload: {
        siteRef: fixture.sites[0]!.ref,
        kind: 'access',
        windowStart: start.toISO(),
        windowEnd: start.plus({ hours: 4 }).toISO(),
      },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const reminder = booked.json().reminders.find((r: { template: string }) => r.template === 'rappel-intervention');
    // Redis was away: the job runs after the window opened.
    const past = new Date(p.deps.now().getTime() - 3_600_000).toISOString();
    await p.deps.db.execute(sql`update interventions set window_start = ${past}::timestamptz where id = 'late'`);
    await p.deps.db.execute(sql`update messages set send_at = ${past}::timestamptz where id = ${reminder.messageId}`);
    await p.deps.producer.remove({ id: reminder.messageId, channel: 'sms' });
    await p.deps.producer.enqueue({ id: reminder.messageId, channel: 'sms', sendAt: new Date(past) });
    await p.startWorkers();
    await p.waitForStatus(reminder.messageId, ['cancelled']);
    const skipped = (await p.events(fixture.orderNumber)).find(
      (e) => e.type === 'message.skipped' && e.data.messageId === reminder.messageId,
    );
    expect(skipped?.data.reason).toBe('visit_started');
    expect(p.twilio.accepted.some((r) => r.params.Body?.includes('intervention'))).toBe(false);
  });

  it('holds an SMS whose job runs outside the SMS hours until they open', async () => {
    const created = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: {
        projectRef: fixture.orderNumber,
        template: 'rappel-intervention',
        draft: true,
        data: { kind: 'access', windowStart: '2027-03-16T08:00:00+01:00', windowEnd: '2027-03-16T12:00:00+01:00' },
      },
    });
    const { id } = created.json() as { id: string };
    // The agency narrowed its SMS hours to the evening since: now (10:00) is outside them.
    await p.deps.settings.put(fixture.agency, {
      ...DEFAULT_SETTINGS,
      reminders: { ...DEFAULT_SETTINGS.reminders, smsHours: { start: '18:00', end: '19:00' } },
    });
    await p.deps.db.execute(sql`update messages set status = 'scheduled' where id = ${id}`);
    await p.deps.producer.enqueue({ id, channel: 'sms', sendAt: p.deps.now() });
    const postponed = await waitFor(async () =>
      (await p.events(fixture.orderNumber)).find((e) => e.type === 'message.postponed' && e.data.messageId === id),
    );
    expect(postponed.data.reason).toBe('outside_sms_hours');
    const sendAt = DateTime.fromISO(String(postponed.data.sendAt)).setZone('Europe/Paris');
    expect(sendAt.toFormat('HH:mm')).toBe('18:00');
    expect(await p.waitForStatus(id, ['scheduled'])).toBe('scheduled');
  });
});
