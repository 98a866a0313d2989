import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../../src/history/record.js';
import { startMetricsServer } from '../../src/metrics/server.js';
import { createTestApp, milestoneMailsByHand, type TestApp } from '../helpers/app.js';
import { loadFixture } from '../helpers/fixtures.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/process.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const TOKEN = 'metrics-token-0123456789';
const FIXTURE = loadFixture('CMD-2026-000104');

/** One sample of a Prometheus text exposition, found by name and a subset of its labels. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('metrics an operator pages on (PostgreSQL)', () => {
  let p: Pipeline;
  let receiver: Receiver;
  const scrape = async () => {
    const response = await p.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
    return response.body;
  };
  /** Scrapes until the sample has the value: counters follow committed events, a moment later. */
  const until = (name: string, labels: Record<string, string>, value: number) =>
    waitFor(async () => ((sample(await scrape(), name, labels) ?? 0) === value ? true : undefined), 20_000);
  const send = async (payload: Record<string, unknown>) => {
    const response = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: FIXTURE.orderNumber, template: 'relance-bilan', ...payload },
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    p = await createPipeline('postgres', {
      METRICS_TOKEN: TOKEN,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      FOLLOWUP_INTERVAL_MS: '50',
    });
    await milestoneMailsByHand(p, FIXTURE.agency);
    const put = await p.request(p.adminKey, {
      method: 'PUT',
      url: `/v1/projects/${FIXTURE.orderNumber}`,
      payload: FIXTURE,
    });
    expect(put.statusCode, put.body).toBe(201);
  });
  afterAll(async () => {
    await p?.close();
    await receiver?.close();
  });

  it('/metrics asks for the token when METRICS_TOKEN is set', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: TOKEN }]) {
      const response = await p.app.inject({ method: 'GET', url: '/metrics', headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(response.body).not.toContain('jalon_');
    }
    const body = await scrape();
    expect(body).toContain('process_cpu_user_seconds_total');
    expect(body).toContain('# TYPE jalon_send_latency_seconds histogram');
  });

  it('counts what was sent and what failed, by channel, the provider errors by kind, and the send latency', async () => {
    const sent = await send({});
    await p.waitForStatus(sent, ['sent']);
    p.smtp.failNext(550);
    const failed = await send({});
    await p.waitForStatus(failed, ['failed']);
    await until('jalon_messages_total', { event: 'message.sent', channel: 'email' }, 1);
    await until('jalon_messages_total', { event: 'message.failed', channel: 'email' }, 1);
    const body = await scrape();
    expect(sample(body, 'jalon_messages_total', { event: 'message.scheduled', channel: 'email' })).toBe(2);
    expect(sample(body, 'jalon_provider_errors_total', { channel: 'email', kind: 'rejected' })).toBe(1);
    expect(sample(body, 'jalon_send_latency_seconds_count', { channel: 'email' })).toBe(1);
    // Sent right away: within the first buckets.
    expect(sample(body, 'jalon_send_latency_seconds_bucket', { channel: 'email', le: '15' })).toBe(1);
  });

  it('reports queue depth per queue and state', async () => {
    const later = await send({ sendAt: new Date(Date.now() + 3_600_000).toISOString() });
    const body = await scrape();
    expect(sample(body, 'jalon_queue_jobs', { queue: 'email', state: 'delayed' })).toBe(1);
    expect(sample(body, 'jalon_queue_jobs', { queue: 'sms', state: 'waiting' })).toBe(0);
    expect(sample(body, 'jalon_queue_jobs', { queue: 'webhooks', state: 'active' })).toBe(0);
    await p.request(p.adminKey, { method: 'POST', url: `/v1/messages/${later}/cancel`, payload: { reason: 'test' } });
    expect(sample(await scrape(), 'jalon_queue_jobs', { queue: 'email', state: 'delayed' })).toBe(0);
  });

  it('counts webhook attempts and deliveries by outcome', async () => {
    receiver.respond((_request, attempt) => ({ status: attempt === 1 ? 500 : 204 }));
    const created = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/webhooks',
      payload: { url: receiver.url(), events: ['survey.answered'], agency: '*' },
    });
    const { endpoint } = created.json() as { endpoint: { id: string } };
    await p.request(p.adminKey, { method: 'POST', url: `/v1/webhooks/${endpoint.id}/test` });
    await until('jalon_webhook_deliveries_total', { result: 'succeeded' }, 1);
    const body = await scrape();
    expect(sample(body, 'jalon_webhook_attempts_total', { outcome: 'http_error' })).toBe(1);
    expect(sample(body, 'jalon_webhook_attempts_total', { outcome: 'delivered' })).toBe(1);
    expect(sample(body, 'jalon_webhook_attempt_duration_seconds_count')).toBe(2);
    expect(sample(body, 'jalon_webhook_deliveries_pending')).toBe(0);
    expect(sample(body, 'jalon_webhook_endpoints', { state: 'enabled' })).toBe(1);
  });

  it('the worker process serves its own figures, behind the same token', async () => {
    const server = await startMetricsServer({
      port: 0,
      host: '127.0.0.1',
      token: TOKEN,
      registry: p.deps.metrics.registry,
      logger: p.deps.logger,
    });
    try {
      const url = `http://127.0.0.1:${server.port}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(200);
      const body = await response.text();
      expect(body).toContain('process_resident_memory_bytes');
      expect(sample(body, 'jalon_messages_total', { event: 'message.sent', channel: 'email' })).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('follow-up lag (PGlite, no workers)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite');
    const put = await t.request(t.adminKey, {
      method: 'PUT',
      url: `/v1/projects/${FIXTURE.orderNumber}`,
      payload: FIXTURE,
    });
    expect(put.statusCode, put.body).toBe(201);
    await t.settle();
  });
  afterAll(async () => t?.close());

  it('is the age of the oldest event whose follow-ups have not run, and falls to zero once they have', async () => {
    await recordEvent(t.deps.db, {
      projectRef: FIXTURE.orderNumber,
      type: 'sites.imported',
      data: {},
      at: new Date(t.deps.now().getTime() - 120_000),
    });
    const before = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(before, 'jalon_followup_lag_seconds')).toBeGreaterThanOrEqual(120);
    expect(sample(before, 'jalon_followup_backlog', { state: 'waiting' })).toBe(1);
    await t.settle();
    const after = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(after, 'jalon_followup_lag_seconds')).toBe(0);
    expect(sample(after, 'jalon_followup_backlog', { state: 'waiting' })).toBe(0);
  });
});
