import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../helpers/fixtures.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { spawnEntry, waitFor, type Spawned } from '../helpers/process.js';

type Row = { id: string; template_key: string; status: string; parent_id: string | null };

/**
 * Follow-ups of committed events survive the death of the process that should run them: the
 * event is in the outbox with the action it follows, and a worker started later runs it once.
 */
describe('follow-ups across a killed worker (PostgreSQL, worker as a separate process)', () => {
  let p: Pipeline;
  let worker: Spawned | undefined;
  const fixture = loadFixture('CMD-2026-000103');
  const ref = fixture.orderNumber;

  const rows = async () =>
    (
      (await p.deps.db.execute(
        sql`select id, template_key, status, parent_id from messages where project_ref = ${ref} order by created_at`,
      )) as unknown as { rows: Row[] }
    ).rows;
  const eventsOf = async (messageId: string, type: string) =>
    (await p.events(ref)).filter((e) => e.data.messageId === messageId && e.type === type).length;
  const startWorker = (followupIntervalMs: number) => {
    const { config } = p.deps;
    worker = spawnEntry('workers/main.ts', {
      DATABASE_URL: config.DATABASE_URL ?? '',
      REDIS_URL: config.REDIS_URL,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
      EMAIL_TRANSPORT: 'smtp',
      SMTP_URL: p.smtp.url,
      ...(config.EMAIL_FROM ? { EMAIL_FROM: config.EMAIL_FROM } : {}),
      FOLLOWUP_INTERVAL_MS: String(followupIntervalMs),
      RECONCILE_INTERVAL_MS: '1000',
      LOG_LEVEL: 'warn',
    });
  };
  const kill = async () => {
    worker?.child.kill('SIGKILL');
    await worker?.exited;
    worker = undefined;
  };

  beforeAll(async () => {
    p = await createPipeline('postgres', {}, { workers: false });
    expect(
      (await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${ref}`, payload: fixture })).statusCode,
    ).toBe(201);
    const patched = await p.request(p.adminKey, {
      method: 'PATCH',
      url: `/v1/projects/${ref}/milestones`,
      payload: { deploymentEnd: { actual: '2026-10-16' } },
    });
    expect(patched.statusCode).toBe(200);
  });
  afterAll(async () => {
    await kill();
    await p?.close();
  });

  it('schedules the survey reminder once when the worker died right after sending the closure mail', async () => {
    // A worker that looks at its outbox only once a minute after draining it.
    startWorker(60_000);
    const prepared = await waitFor(async () => {
      const list = await rows();
      return list.length === 3 ? list : undefined;
    });
    const closure = prepared.find((m) => m.template_key === 'cloture')!;
    const reminder = prepared.find((m) => m.template_key === 'relance-bilan')!;
    expect(reminder.parent_id).toBe(closure.id);

    expect((await p.request(p.adminKey, { method: 'POST', url: `/v1/messages/${closure.id}/send` })).statusCode).toBe(
      200,
    );
    await p.waitForStatus(closure.id, ['sent']);
    await kill();
    // Committed and not followed up: the reminder still waits, its cause is in the outbox.
    expect((await rows()).find((m) => m.id === reminder.id)?.status).toBe('draft');
    const pending = (await p.deps.db.execute(
      sql`select count(*)::int as n from event_outbox o join history_events e on e.id = o.event_id
          where e.type = 'message.sent' and e.data->>'messageId' = ${closure.id}`,
    )) as unknown as { rows: { n: number }[] };
    expect(pending.rows[0]?.n).toBe(1);

    startWorker(100);
    await p.waitForStatus(reminder.id, ['scheduled']);
    await waitFor(async () => {
      const left = (await p.deps.db.execute(sql`select count(*)::int as n from event_outbox`)) as unknown as {
        rows: { n: number }[];
      };
      return left.rows[0]?.n === 0 ? true : undefined;
    });
    expect(await eventsOf(reminder.id, 'message.scheduled')).toBe(1);
    await kill();
  });

  it('cancels the survey reminder once when the closure mail was cancelled while no worker ran', async () => {
    const order = { ...fixture, orderNumber: 'CMD-2026-000903' };
    await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${order.orderNumber}`, payload: order });
    await p.request(p.adminKey, {
      method: 'PATCH',
      url: `/v1/projects/${order.orderNumber}/milestones`,
      payload: { deploymentEnd: { actual: '2026-10-16' } },
    });
    startWorker(100);
    const list = await waitFor(async () => {
      const found = (
        (await p.deps.db.execute(
          sql`select id, template_key, status, parent_id from messages where project_ref = ${order.orderNumber}`,
        )) as unknown as { rows: Row[] }
      ).rows;
      return found.length === 3 ? found : undefined;
    });
    await kill();
    const closure = list.find((m) => m.template_key === 'cloture')!;
    const reminder = list.find((m) => m.template_key === 'relance-bilan')!;
    const cancelled = await p.request(p.adminKey, { method: 'POST', url: `/v1/messages/${closure.id}/cancel` });
    expect(cancelled.statusCode).toBe(200);

    startWorker(100);
    await p.waitForStatus(reminder.id, ['cancelled']);
    const cancellations = (await p.events(order.orderNumber)).filter(
      (e) => e.data.messageId === reminder.id && e.type === 'message.cancelled',
    );
    expect(cancellations).toHaveLength(1);
  });
});
