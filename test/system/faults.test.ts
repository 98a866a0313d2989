import { sql } from 'drizzle-orm';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../helpers/fixtures.js';
import { milestoneMailsByHand } from '../helpers/app.js';
import { createPipeline, TWILIO_TOKEN, type Pipeline } from '../helpers/pipeline.js';
import { spawnEntry } from '../helpers/process.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.js';
import { smsHoursOffsetMs } from '../helpers/clock.js';

const fixture = loadFixture('CMD-2026-000101');

async function load(p: Pipeline): Promise<void> {
  const put = await p.request(p.adminKey, {
    method: 'PUT',
    url: `/v1/projects/${fixture.orderNumber}`,
    payload: fixture,
  });
  expect(put.statusCode).toBe(201);
}

async function createMany(p: Pipeline, count: number, payload: Record<string, unknown> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, count - i) }, () =>
        p.request(p.adminKey, {
          method: 'POST',
          url: '/v1/messages',
          payload: { projectRef: fixture.orderNumber, template: 'accuse-reception', ...payload },
        }),
      ),
    );
    for (const response of batch) {
      expect(response.statusCode, response.body).toBe(201);
      ids.push(response.json().id as string);
    }
  }
  return ids;
}

async function statusCounts(p: Pipeline): Promise<Record<string, number>> {
  const result = await p.deps.db.execute(sql`select status, count(*)::int as n from messages group by status`);
  return Object.fromEntries((result as { rows: { status: string; n: number }[] }).rows.map((r) => [r.status, r.n]));
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('when Redis is stopped', () => {
  let redis: PrivateRedis;
  let p: Pipeline;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    p = await createPipeline('postgres', { REDIS_URL: redis.url });
    await milestoneMailsByHand(p, fixture.agency);
    await load(p);
  });
  afterAll(async () => {
    await p?.close();
    await redis?.stop();
  });

  it('still accepts and stores messages within a second, and sends them once Redis is back', async () => {
    await redis.stop();
    const started = Date.now();
    const response = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: fixture.orderNumber, template: 'accuse-reception' },
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(response.statusCode).toBe(201);
    const { id } = response.json();
    expect((await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json().status).toBe('scheduled');

    await redis.start();
    await p.waitForStatus(id, ['sent'], 30_000);
    expect(p.smtp.received.filter((r) => r.mail.headers.get('x-jalon-message-id') === id)).toHaveLength(1);
  });
});

describe('when Redis loses its data', () => {
  let redis: PrivateRedis;
  let p: Pipeline;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    p = await createPipeline('postgres', { REDIS_URL: redis.url, RECONCILE_INTERVAL_MS: '1000' }, { workers: false });
    await milestoneMailsByHand(p, fixture.agency);
    await load(p);
  });
  afterAll(async () => {
    await p?.close();
    await redis?.stop();
  });

  it('re-queues all 200 scheduled messages from PostgreSQL and sends each once', async () => {
    const ids = await createMany(p, 200, { sendAt: new Date(Date.now() + 3_000).toISOString() });
    const queue = p.deps.producer.queue('email');
    // Delayed, or already waiting when creating them took longer than their delay.
    expect(await queue.getJobCountByTypes('delayed', 'wait')).toBe(200);
    await redis.flush();
    expect(await queue.getJobCountByTypes('delayed', 'wait')).toBe(0);

    await p.startWorkers();
    await waitUntil(async () => (await statusCounts(p)).sent === 200, 40_000, '200 messages sent');
    const delivered = new Set(p.smtp.received.map((r) => r.mail.headers.get('x-jalon-message-id')));
    expect(ids.every((id) => delivered.has(id))).toBe(true);
    expect(p.smtp.received).toHaveLength(200);
  });
});

describe('when a worker is killed in the middle of a batch', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await createPipeline('postgres', {}, { workers: false });
    await milestoneMailsByHand(p, fixture.agency);
    await load(p);
  });
  afterAll(async () => p?.close());

  it('sends each of 500 messages at most once; those in flight at the kill are flagged, not resent', async () => {
    const ids = await createMany(p, 500);
    const { config } = p.deps;
    const env = {
      DATABASE_URL: config.DATABASE_URL ?? '',
      REDIS_URL: config.REDIS_URL,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
      EMAIL_TRANSPORT: 'smtp',
      SMTP_URL: p.smtp.url,
      EMAIL_FROM: config.EMAIL_FROM ?? '',
      EMAIL_CONCURRENCY: '10',
      WORKER_LOCK_MS: '2000',
      RECONCILE_INTERVAL_MS: '1000',
      SEND_BACKOFF_MS: '50',
      LOG_LEVEL: 'warn',
    };
    const first = spawnEntry('workers/main.ts', env);
    await waitUntil(async () => p.smtp.received.length >= 100, 60_000, 'the first worker to send 100 messages');
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = p.smtp.received.length;

    const unconfirmedIds = async () =>
      (
        (await p.deps.db.execute(
          sql`select id from messages where status = 'sending' and unconfirmed_at is not null`,
        )) as unknown as { rows: { id: string }[] }
      ).rows.map((r) => r.id);
    const second = spawnEntry('workers/main.ts', env);
    try {
      await waitUntil(
        async () => ((await statusCounts(p)).sent ?? 0) + (await unconfirmedIds()).length === 500,
        90_000,
        'every message sent or flagged',
      );
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    const perMessage = new Map<string, number>();
    for (const r of p.smtp.received) {
      const id = r.mail.headers.get('x-jalon-message-id') as string;
      perMessage.set(id, (perMessage.get(id) ?? 0) + 1);
    }
    const duplicates = p.smtp.received.length - perMessage.size;
    const flagged = await unconfirmedIds();
    const flaggedDelivered = flagged.filter((id) => perMessage.has(id)).length;
    console.log(
      `worker killed after ${atKill} deliveries; ${perMessage.size} distinct messages delivered, ${duplicates} duplicate(s); ` +
        `${flagged.length} flagged unconfirmed (${flaggedDelivered} of them had reached the SMTP server)`,
    );
    expect(duplicates).toBe(0);
    // Only what was in a worker's hands when it died is in doubt; everything else went once.
    expect(flagged.length).toBeLessThanOrEqual(Number(env.EMAIL_CONCURRENCY));
    const sent = ids.filter((id) => !flagged.includes(id));
    expect(sent.every((id) => perMessage.get(id) === 1)).toBe(true);
  }, 180_000);
});

describe('Twilio status callbacks', () => {
  let p: Pipeline;
  beforeAll(async () => {
    // Inside the SMS hours, whenever the suite runs: an SMS sent "now" goes now.
    p = await createPipeline('postgres', { CLOCK_OFFSET_MS: String(smsHoursOffsetMs()) });
    await milestoneMailsByHand(p, fixture.agency);
    await load(p);
  });
  afterAll(async () => p?.close());

  const url = 'http://127.0.0.1:3000/v1/webhooks/twilio/status';
  const callback = (params: Record<string, string>, signature?: string) =>
    p.request(undefined, {
      method: 'POST',
      url: '/v1/webhooks/twilio/status',
      payload: new URLSearchParams(params).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
      },
    });
  const sign = (params: Record<string, string>, token = TWILIO_TOKEN) =>
    twilio.getExpectedTwilioSignature(token, url, params);

  const sendSms = async () => {
    const created = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: {
        projectRef: fixture.orderNumber,
        template: 'rappel-intervention',
        data: { kind: 'service', windowStart: '2026-12-16T13:00:00+01:00', windowEnd: '2026-12-16T17:00:00+01:00' },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    return created.json().id as string;
  };
  const statusOf = async (id: string) =>
    (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json() as {
      status: string;
      providerId: string;
    };

  it('rejects forged or unsigned reports, applies a signed one, and treats a replay as a no-op', async () => {
    const id = await sendSms();
    await p.waitForStatus(id, ['sent']);
    const sid = (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json().providerId;
    expect(sid).toMatch(/^SM/);
    const params = { MessageSid: sid, MessageStatus: 'delivered', AccountSid: 'AC0' };

    expect((await callback(params)).statusCode).toBe(403);
    expect((await callback(params, sign(params, 'another-token'))).statusCode).toBe(403);
    expect((await callback({ ...params, MessageStatus: 'failed' }, sign(params))).statusCode).toBe(403);
    expect((await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json().status).toBe('sent');

    const applied = await callback(params, sign(params));
    expect(applied.statusCode).toBe(200);
    expect(applied.json().result).toBe('applied');
    const message = (await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json();
    expect(message.status).toBe('delivered');
    expect(message.deliveredAt).not.toBeNull();

    const eventsBefore = (await p.events(fixture.orderNumber)).length;
    const replay = await callback(params, sign(params));
    expect(replay.json().result).toBe('ignored');
    const late = { ...params, MessageStatus: 'sent' };
    expect((await callback(late, sign(late))).json().result).toBe('ignored');
    expect((await p.events(fixture.orderNumber)).length).toBe(eventsBefore);
    expect((await p.request(p.adminKey, { method: 'GET', url: `/v1/messages/${id}` })).json().status).toBe('delivered');
  });

  it('records a progress report once however often it is replayed', async () => {
    const id = await sendSms();
    await p.waitForStatus(id, ['sent']);
    const report = { MessageSid: (await statusOf(id)).providerId, MessageStatus: 'sent', AccountSid: 'AC0' };
    const ofMessage = async () => (await p.events(fixture.orderNumber)).filter((e) => e.data.messageId === id).length;
    const before = await ofMessage();
    const results = [];
    for (let i = 0; i < 50; i++) results.push((await callback(report, sign(report))).json().result);
    expect(results.filter((r) => r === 'applied')).toHaveLength(1);
    expect(await ofMessage()).toBe(before + 1);
  });

  it('never applies an SMS report to an email, and keeps a report that arrives before its SMS is recorded', async () => {
    const email = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: fixture.orderNumber, template: 'accuse-reception' },
    });
    const emailId = email.json().id as string;
    await p.waitForStatus(emailId, ['sent']);
    const onEmail = {
      MessageSid: (await statusOf(emailId)).providerId,
      MessageStatus: 'undelivered',
      AccountSid: 'AC0',
    };
    expect((await callback(onEmail, sign(onEmail))).json().result).toBe('pending');
    expect((await statusOf(emailId)).status).toBe('sent');

    // Twilio answers the send only after its first report has come in.
    const early = `SM${'e'.repeat(32)}`;
    const report = { MessageSid: early, MessageStatus: 'delivered', AccountSid: 'AC0' };
    expect((await callback(report, sign(report))).json().result).toBe('pending');
    p.twilio.nextSid(early);
    const id = await sendSms();
    await p.waitForStatus(id, ['delivered'], 20_000);
    expect((await statusOf(id)).providerId).toBe(early);
  });
});
