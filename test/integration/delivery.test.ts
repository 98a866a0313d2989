import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { loadFixture } from '../helpers/fixtures.js';
import pg from 'pg';
import { smsHoursOffsetMs } from '../helpers/clock.js';
import { TEST_DATABASE_URL } from '../helpers/env.js';
import { milestoneMailsByHand } from '../helpers/app.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

describe.each(BACKENDS)('delivery on %s', (backend) => {
  let p: Pipeline;
  const fixture = loadFixture('CMD-2026-000102');
  const post = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: fixture.orderNumber, template: 'accuse-reception', ...payload },
      headers,
    });

  beforeAll(async () => {
    p = await createPipeline(backend);
    await milestoneMailsByHand(p, fixture.agency);
    const put = await p.request(p.adminKey, {
      method: 'PUT',
      url: `/v1/projects/${fixture.orderNumber}`,
      payload: fixture,
    });
    expect(put.statusCode).toBe(201);
  });
  afterAll(async () => p?.close());

  it('sends an accusé de réception end to end: right recipients, content, status and history', async () => {
    const before = p.smtp.received.length;
    const response = await post({ blocks: { personalMessage: 'Ravi de démarrer ce projet avec vous.' } });
    expect(response.statusCode, response.body).toBe(201);
    const message = response.json();
    expect(message).toMatchObject({ status: 'scheduled', channel: 'email', template: 'accuse-reception' });
    expect(await p.waitForStatus(message.id, ['sent'])).toBe('sent');

    const [received] = (await p.smtp.waitFor(before + 1)).slice(before);
    const mail = received!.mail;
    // Order 102 has two contacts sharing one address: it is addressed once.
    expect(received!.envelope.to.sort()).toEqual(['l.laurent@operateur.example', 'm.durand@alpilles.example']);
    expect(mail.from?.value[0]?.address).toBe('jalon@operateur.example');
    expect(mail.replyTo?.value[0]?.address).toBe(fixture.rac.email);
    expect(mail.subject).toContain(fixture.orderNumber);
    expect(mail.messageId).toBe(`<${message.id}@operateur.example>`);
    expect(mail.text).toContain('Ravi de démarrer ce projet avec vous.');
    expect(mail.html).toContain('Ravi de démarrer ce projet avec vous.');

    const stored = (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${message.id}` })).json();
    expect(stored).toMatchObject({ status: 'sent', attempts: 1, providerId: `<${message.id}@operateur.example>` });
    expect(stored.sentAt).not.toBeNull();
    expect(stored.content.subject).toBe(mail.subject);
    const types = (await p.events(fixture.orderNumber))
      .filter((e) => e.data.messageId === message.id)
      .map((e) => e.type);
    expect(types).toEqual(['message.scheduled', 'message.sending', 'message.sent']);
  });

  it('holds a scheduled message until its time, follows a reschedule, and never sends a cancelled one', async () => {
    const later = (await post({ sendAt: inMs(1_500) })).json();
    const moved = (await post({ sendAt: inMs(60_000) })).json();
    const cancelled = (await post({ sendAt: inMs(1_000) })).json();
    const cancel = await p.request(p.adminKey, { method: 'POST', url: `/v1/messages/${cancelled.id}/cancel` });
    expect(cancel.json().status, cancel.body).toBe('cancelled');
    const patched = await p.request(p.adminKey, {
      method: 'PATCH',
      url: `/v1/messages/${moved.id}`,
      payload: { sendAt: inMs(800) },
    });
    expect(patched.statusCode, patched.body).toBe(200);

    // Nothing waits in the queue for the cancelled one, so nothing can send it later.
    expect((await p.deps.producer.states('email', [cancelled.id])).get(cancelled.id)).toBe('unknown');
    const ids = () => p.smtp.received.map((r) => r.mail.headers.get('x-jalon-message-id'));
    await p.waitForStatus(moved.id, ['sent']);
    await p.waitForStatus(later.id, ['sent']);
    const read = async (id: string) =>
      (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json() as {
        sendAt: string;
        sentAt: string;
      };
    // Each went at its own time, not before (the moved one at its new time, long before the old).
    for (const message of [await read(later.id), await read(moved.id)]) {
      expect(Date.parse(message.sentAt)).toBeGreaterThanOrEqual(Date.parse(message.sendAt));
    }
    expect(Date.parse((await read(moved.id)).sentAt)).toBeLessThan(Date.parse(moved.sendAt));
    expect(ids()).toContain(later.id);
    expect(ids()).toContain(moved.id);
    expect(ids()).not.toContain(cancelled.id);
    expect((await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${cancelled.id}` })).json().status).toBe(
      'cancelled',
    );
    const cancelAgain = await p.request(p.adminKey, { method: 'POST', url: `/v1/messages/${later.id}/cancel` });
    expect(cancelAgain.statusCode).toBe(409);
  });

  it('keeps a draft until it is sent, and lets it be edited first', async () => {
    const draft = (await post({ draft: true })).json();
    expect(draft.status).toBe('draft');
    const edited = await p.request(p.adminKey, {
      method: 'PATCH',
      url: `/v1/messages/${draft.id}`,
      payload: { blocks: { personalMessage: 'Un mot relu avant envoi.' } },
    });
    expect(edited.json().content.text).toContain('Un mot relu avant envoi.');
    // A draft has no job: nothing sends it until someone does.
    expect((await p.deps.producer.states('email', [draft.id])).get(draft.id)).toBe('unknown');
    expect((await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${draft.id}` })).json().status).toBe(
      'draft',
    );
    const sent = await p.request(p.adminKey, { method: 'POST', url: `/v1/messages/${draft.id}/send` });
    expect(sent.json().status).toBe('scheduled');
    await p.waitForStatus(draft.id, ['sent']);
    const mail = p.smtp.received.find((r) => r.mail.headers.get('x-jalon-message-id') === draft.id);
    expect(mail?.mail.text).toContain('Un mot relu avant envoi.');
  });

  it('refuses a sendAt in the past or malformed, naming the field, and stores nothing', async () => {
    for (const sendAt of ['2020-01-01T10:00:00+01:00', 'demain', '2026-13-01T10:00:00Z', '2026-06-01T10:00:00']) {
      const response = await post({ sendAt });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toMatch(/^body\.sendAt: /);
    }
  });

  it('Idempotency-Key: 50 concurrent identical requests create one message', async () => {
    const body = { blocks: { personalMessage: 'Une seule fois.' }, sendAt: inMs(3_600_000) };
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => post(body, { 'idempotency-key': 'order-102-welcome' })),
    );
    const created = responses.filter((r) => r.statusCode === 201);
    const busy = responses.filter((r) => r.statusCode === 409);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(created.length + busy.length).toBe(50);
    expect(new Set(created.map((r) => r.json().id)).size).toBe(1);
    for (const r of busy) expect(r.headers['retry-after']).toBe('1');
    const stored = await p.deps.db.execute(
      sql`select count(*)::int as n from messages where blocks->>'personalMessage' = 'Une seule fois.'`,
    );
    expect((stored as { rows: { n: number }[] }).rows[0]?.n).toBe(1);

    const replay = await post(body, { 'idempotency-key': 'order-102-welcome' });
    expect(replay.statusCode).toBe(201);
    expect(replay.json().id).toBe(created[0]!.json().id);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const other = await post(
      { ...body, blocks: { personalMessage: 'Autre chose.' } },
      { 'idempotency-key': 'order-102-welcome' },
    );
    expect(other.statusCode).toBe(422);
  });
});

describe('delivery faults (PostgreSQL)', () => {
  let p: Pipeline;
  const fixture = loadFixture('CMD-2026-000101');
  beforeAll(async () => {
    // Inside the SMS hours, whenever the suite runs: an SMS sent "now" goes now.
    p = await createPipeline('postgres', { CLOCK_OFFSET_MS: String(smsHoursOffsetMs()) });
    await milestoneMailsByHand(p, fixture.agency);
    await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${fixture.orderNumber}`, payload: fixture });
  });
  afterAll(async () => p?.close());

  const send = async (payload: Record<string, unknown>) => {
    const response = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: fixture.orderNumber, ...payload },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string };
  };
  const received = (id: string) => p.smtp.received.filter((r) => r.mail.headers.get('x-jalon-message-id') === id);

  it('SMTP 451 twice then 250: delivered exactly once after two retries', async () => {
    const attemptsBefore = p.smtp.attempts();
    p.smtp.failNext(451, 451);
    const { id } = await send({ template: 'accuse-reception' });
    await p.waitForStatus(id, ['sent']);
    expect(received(id)).toHaveLength(1);
    expect(p.smtp.attempts() - attemptsBefore).toBe(3);
    const message = (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json();
    expect(message.attempts).toBe(3);
    const types = (await p.events(fixture.orderNumber)).filter((e) => e.data.messageId === id).map((e) => e.type);
    expect(types.filter((type) => type === 'message.attempt_failed')).toHaveLength(2);
    expect(types.at(-1)).toBe('message.sent');
  });

  it('SMTP 550: failed at once, without retry, with the reason in the history', async () => {
    const attemptsBefore = p.smtp.attempts();
    p.smtp.failNext(550);
    const { id } = await send({ template: 'accuse-reception' });
    await p.waitForStatus(id, ['failed']);
    // No retry can come: the job ended failed, not delayed for another attempt.
    expect(['failed', 'unknown']).toContain((await p.deps.producer.states('email', [id])).get(id));
    expect(p.smtp.attempts() - attemptsBefore).toBe(1);
    expect(received(id)).toHaveLength(0);
    const message = (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json();
    expect(message).toMatchObject({ status: 'failed', attempts: 1 });
    expect(message.lastError).toMatch(/550/);
    const failed = (await p.events(fixture.orderNumber)).find(
      (e) => e.data.messageId === id && e.type === 'message.failed',
    );
    expect(failed?.data.error).toMatch(/550/);
  });

  const sms = () =>
    send({
      template: 'rappel-intervention',
      data: { kind: 'access', windowStart: '2026-12-15T08:00:00+01:00', windowEnd: '2026-12-15T12:00:00+01:00' },
    });

  it('Twilio 429 then 201: one SMS, from the alphanumeric sender, with a status callback', async () => {
    const requestsBefore = p.twilio.requests.length;
    const acceptedBefore = p.twilio.accepted.length;
    p.twilio.failNext({ status: 429 });
    const { id } = await sms();
    await p.waitForStatus(id, ['sent']);
    expect(p.twilio.requests.length - requestsBefore).toBe(2);
    expect(p.twilio.accepted.length - acceptedBefore).toBe(1);
    const request = p.twilio.accepted.at(-1)!;
    expect(request.params.From).toBe('Operateur');
    expect(request.params.To).toBe('+33639930123'); // the contact of the order's only site
    expect(request.params.StatusCallback).toBe('http://127.0.0.1:3000/v1/webhooks/twilio/status');
    expect(request.params.Body).toMatch(/^Orion Télécom : intervention/);
  });

  it('Twilio 400 (invalid number): failed without retry', async () => {
    const requestsBefore = p.twilio.requests.length;
    p.twilio.failNext({ status: 400, code: 21211 });
    const { id } = await sms();
    await p.waitForStatus(id, ['failed']);
    expect(p.twilio.requests.length - requestsBefore).toBe(1);
  });
});

describe('a database failure right after the provider accepted (PostgreSQL)', () => {
  let p: Pipeline;
  const fixture = loadFixture('CMD-2026-000101');
  let database = '';
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  /** The service's database refuses every connection for a while, and its connections are cut. */
  const outage = async (ms: number) => {
    await admin(`alter database ${database} allow_connections false`);
    await admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${database}'`);
    setTimeout(() => void admin(`alter database ${database} allow_connections true`), ms);
  };

  beforeAll(async () => {
    p = await createPipeline('postgres', { CLOCK_OFFSET_MS: String(smsHoursOffsetMs()) });
    await milestoneMailsByHand(p, fixture.agency);
    database = new URL(p.deps.config.DATABASE_URL ?? '').pathname.slice(1);
    await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${fixture.orderNumber}`, payload: fixture });
  });
  afterAll(async () => {
    await admin(`alter database ${database} allow_connections true`).catch(() => {});
    await p?.close();
  });

  const create = async (payload: Record<string, unknown>) => {
    const response = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: fixture.orderNumber, ...payload },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id as string;
  };

  it('an email accepted by SMTP is recorded sent once the database is back, and never sent again', async () => {
    p.smtp.beforeNextAnswer(() => outage(2_000));
    const id = await create({ template: 'accuse-reception' });
    await p.waitForStatus(id, ['sent'], 30_000);
    expect(p.smtp.received.filter((r) => r.mail?.headers.get('x-jalon-message-id') === id)).toHaveLength(1);
    const events = (await p.events(fixture.orderNumber)).filter((e) => e.data.messageId === id);
    expect(events.filter((e) => e.type === 'message.sent')).toHaveLength(1);
    expect(events.some((e) => e.type === 'message.failed' || e.type === 'message.unconfirmed')).toBe(false);
  });

  it('an SMS accepted by Twilio is recorded sent once the database is back, and never sent again', async () => {
    const before = p.twilio.accepted.length;
    p.twilio.beforeNextAnswer(() => outage(2_000));
    const id = await create({
      template: 'rappel-intervention',
      data: { kind: 'access', windowStart: '2026-12-15T08:00:00+01:00', windowEnd: '2026-12-15T12:00:00+01:00' },
    });
    await p.waitForStatus(id, ['sent'], 30_000);
    expect(p.twilio.accepted.length - before).toBe(1);
    const view = (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json();
    expect(view.providerId).toMatch(/^SM/);
  });
});
