import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/db.js';
import { fixtureNames, loadFixture } from '../helpers/fixtures.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/process.js';

type Row = {
  id: string;
  template_key: string;
  status: string;
  origin: string;
  parent_id: string | null;
  send_at: Date;
};
const rows = async (t: TestApp, ref: string): Promise<Row[]> =>
  (
    (await t.deps.db.execute(
      sql`select id, template_key, status, origin, parent_id, send_at from messages where project_ref = ${ref} order by created_at`,
    )) as unknown as { rows: Row[] }
  ).rows;

describe.each(BACKENDS)('milestone automation on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(backend);
  });
  afterAll(async () => t?.close());

  it('prepares exactly one welcome mail draft per new order, even when the order is sent again', async () => {
    for (const name of fixtureNames()) {
      const fixture = loadFixture(name);
      const url = `/v1/projects/${fixture.orderNumber}`;
      await t.request(t.adminKey, { method: 'PUT', url, payload: fixture });
      await t.request(t.adminKey, { method: 'PUT', url, payload: fixture });
      await t.request(t.adminKey, { method: 'PUT', url, payload: { ...fixture, label: `${fixture.label} (révisé)` } });
      await t.settle();
      // A second delivery of the same follow-ups (a dispatcher that died mid-way) prepares nothing more.
      await t.deps.db.execute(
        sql`insert into event_outbox (event_id, available_at) select id, at from history_events where project_ref = ${fixture.orderNumber}`,
      );
      await t.settle();
      const messages = await rows(t, fixture.orderNumber);
      expect(messages.map((m) => [m.template_key, m.status, m.origin])).toEqual([
        ['accuse-reception', 'draft', 'automation'],
      ]);
      const draft = (await t.request(t.adminKey, { method: 'GET', url: `/v1/messages/${messages[0]!.id}` })).json();
      // Addressed and filled from the order, waiting for the RAC's personal touch.
      expect(draft.to[0].address).toBe(fixture.contacts.find((c) => c.role === 'main')!.email);
      expect(draft.content.subject).toContain(fixture.orderNumber);
    }
  });

  it('prepares the RLE recap when the RLE took place, and the closure mail with its survey reminder at the end', async () => {
    const fixture = loadFixture('CMD-2026-000102');
    const url = `/v1/projects/${fixture.orderNumber}`;
    await t.request(t.adminKey, {
      method: 'PATCH',
      url: `${url}/milestones`,
      payload: { rle: { actual: '2026-05-22' } },
    });
    await t.request(t.adminKey, {
      method: 'PATCH',
      url: `${url}/milestones`,
      payload: { rle: { actual: '2026-05-23' } },
    });
    await t.request(t.adminKey, {
      method: 'PATCH',
      url: `${url}/milestones`,
      payload: { deploymentEnd: { actual: '2026-06-12' } },
    });
    await t.settle();
    const messages = await rows(t, fixture.orderNumber);
    expect(messages.map((m) => [m.template_key, m.status])).toEqual([
      ['accuse-reception', 'draft'],
      ['rle-recap', 'draft'],
      ['cloture', 'draft'],
      ['relance-bilan', 'draft'],
    ]);
    expect(messages[3]!.parent_id).toBe(messages[2]!.id);

    // Cancelling the closure mail takes the survey reminder with it.
    await t.request(t.adminKey, { method: 'POST', url: `/v1/messages/${messages[2]!.id}/cancel` });
    await t.settle();
    expect((await rows(t, fixture.orderNumber)).map((m) => m.status)).toEqual([
      'draft',
      'draft',
      'cancelled',
      'cancelled',
    ]);
  });

  it('follows the agency settings: off prepares nothing, send sends at once', async () => {
    const put = (agency: string, mode: string) =>
      t.request(t.adminKey, {
        method: 'PUT',
        url: `/v1/agencies/${agency}/settings`,
        payload: { automation: { accuseReception: mode } },
      });
    expect((await put('OFFA', 'off')).statusCode).toBe(200);
    expect((await put('SEND', 'send')).statusCode).toBe(200);
    const bad = await put('SEND', 'sometimes');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('body.automation.accuseReception');
    const settings = (await t.request(t.adminKey, { method: 'GET', url: '/v1/agencies/SEND/settings' })).json();
    expect(settings).toMatchObject({
      automation: { accuseReception: 'send', rleRecap: 'draft' },
      reminders: { reminderTime: '18:00' },
    });

    const base = loadFixture('CMD-2026-000101');
    for (const [agency, ref] of [
      ['OFFA', 'CMD-OFF-1'],
      ['SEND', 'CMD-SEND-1'],
    ] as const) {
      await t.request(t.adminKey, {
        method: 'PUT',
        url: `/v1/projects/${ref}`,
        payload: { ...base, orderNumber: ref, agency },
      });
    }
    await t.settle();
    expect(await rows(t, 'CMD-OFF-1')).toEqual([]);
    expect((await rows(t, 'CMD-SEND-1')).map((m) => [m.template_key, m.status])).toEqual([
      ['accuse-reception', 'scheduled'],
    ]);
  });

  it('shows where the deadlines stand: RLP within 5 days, RLE within 15, the welcome contact by its planned date', async () => {
    const fixture = loadFixture('CMD-2026-000101'); // received 2026-03-02
    const url = `/v1/projects/${fixture.orderNumber}`;
    await t.request(t.adminKey, { method: 'PUT', url, payload: fixture });
    const patched = await t.request(t.adminKey, {
      method: 'PATCH',
      url: `${url}/milestones`,
      payload: {
        clientContact: { actual: '2026-03-03' },
        rlp: { actual: '2026-03-06' },
        rle: { actual: '2026-03-20' },
      },
    });
    expect(patched.json().deadlines).toEqual({
      clientContact: {
        due: '2026-03-03',
        planned: '2026-03-03',
        actual: '2026-03-03',
        state: 'on_time',
        plannedLate: false,
      },
      rlp: { due: '2026-03-07', planned: '2026-03-06', actual: '2026-03-06', state: 'on_time', plannedLate: false },
      rle: { due: '2026-03-17', planned: '2026-03-14', actual: '2026-03-20', state: 'late', plannedLate: false },
    });
  });
});

describe('reminders with the clock moved forward (time travel through configuration)', () => {
  let p: Pipeline;
  // The reminder for a visit on Wednesday 16 December is due Tuesday 15 at 18:00 Paris;
  // the service clock is set a few seconds before that.
  const due = Date.parse('2026-12-15T18:00:00+01:00');
  beforeAll(async () => {
    p = await createPipeline('postgres', { CLOCK_OFFSET_MS: String(due - 4_000 - Date.now()) });
    const fixture = loadFixture('CMD-2026-000101');
    await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${fixture.orderNumber}`, payload: fixture });
  });
  afterAll(async () => p?.close());

  it('sends the SMS reminder at the planned instant to the fake Twilio', async () => {
    const booked = await p.request(p.adminKey, {
      method: 'PUT',
      url: '/v1/projects/CMD-2026-000101/interventions/travel',
      payload: {
        siteRef: 'SU1010001',
        kind: 'access',
        windowStart: '2026-12-16T08:00:00+01:00',
        windowEnd: '2026-12-16T12:00:00+01:00',
      },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const reminder = booked.json().reminders[1];
    expect(reminder.sendAt).toBe('2026-12-15T17:00:00.000Z');
    const status = await p.waitForStatus(reminder.messageId, ['sent', 'failed'], 15_000);
    const stored = (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${reminder.messageId}` })).json();
    expect(status, stored.lastError).toBe('sent');
    const sms = p.twilio.accepted.at(-1)!;
    expect(sms.params.To).toBe('+33639930123');
    expect(sms.params.Body).toMatch(/mercredi 16|16\/12/);
    const sentAt = Date.parse(
      (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${reminder.messageId}` })).json().sentAt,
    );
    // At the planned instant, not before it (the service's clock is the one moved forward).
    expect(sentAt).toBeGreaterThanOrEqual(due);
  });
});

describe('the closure mail and its survey reminder, sent for real', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await createPipeline('postgres');
  });
  afterAll(async () => p?.close());

  it('schedules the survey reminder 7 days after the closure mail goes out', async () => {
    const fixture = loadFixture('CMD-2026-000103');
    const url = `/v1/projects/${fixture.orderNumber}`;
    await p.request(p.adminKey, { method: 'PUT', url, payload: fixture });
    await p.request(p.adminKey, {
      method: 'PATCH',
      url: `${url}/milestones`,
      payload: { deploymentEnd: { actual: '2026-10-16' } },
    });
    await waitFor(async () => ((await rows(p, fixture.orderNumber)).length === 3 ? true : undefined));
    const [closure, reminder] = (await rows(p, fixture.orderNumber)).filter((m) => m.origin === 'automation').slice(1);
    expect([closure?.template_key, reminder?.template_key]).toEqual(['cloture', 'relance-bilan']);

    const sent = await p.request(p.adminKey, { method: 'POST', url: `/v1/messages/${closure!.id}/send` });
    expect(sent.json().status).toBe('scheduled');
    await p.waitForStatus(closure!.id, ['sent']);
    await p.waitForStatus(reminder!.id, ['scheduled']);
    const [closureView, reminderView] = await Promise.all(
      [closure!.id, reminder!.id].map(async (id) =>
        (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json(),
      ),
    );
    expect(Date.parse(reminderView.sendAt) - Date.parse(closureView.sentAt)).toBe(7 * 24 * 3600 * 1000);
    // The closure mail carries the recipient's own survey link, not a guessable one.
    const mail = p.smtp.received.find((r) => r.mail.headers.get('x-jalon-message-id') === closure!.id);
    expect(mail?.mail.text).toMatch(/\/satisfaction\/[A-Za-z0-9_-]{43}\?note=5/);
    expect(mail?.mail.text).not.toContain(`/satisfaction/${fixture.orderNumber}`);
  });
});

describe('queue dashboard', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('postgres');
  });
  afterAll(async () => t?.close());

  it('is served at /admin/queues to admin keys only, by Bearer or as the Basic password', async () => {
    const manager = await t.key({ name: 'manager', role: 'manager', agency: 'AERM' });
    const basic = (key: string) => `Basic ${Buffer.from(`admin:${key}`).toString('base64')}`;
    const get = (authorization?: string) =>
      t.app.inject({ method: 'GET', url: '/admin/queues', headers: authorization ? { authorization } : {} });
    const anonymous = await get();
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await get(`Bearer ${manager}`)).statusCode).toBe(403);
    const page = await get(basic(t.adminKey));
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<html/i);
    const api = await t.app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues',
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(api.statusCode).toBe(200);
    expect(api.body).toContain('email');
  });
});
