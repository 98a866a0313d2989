import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/env.js';
import { loadFixture } from '../helpers/fixtures.js';
import { freePort, spawnEntry, type Spawned, waitFor } from '../helpers/process.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

/**
 * The API and the worker as separate processes on PostgreSQL, the SMTP server in this
 * process, and the database pulled from under them: every connection terminated again and
 * again during a run, then the database refusing connections for a while, as in a restart.
 */

const MESSAGES = 2_000;
const FAULTS = 20;
const KEY = `jln_SysFault_${'k'.repeat(40)}`;
const fixture = loadFixture('CMD-2026-000101');

let database: TestDatabase;
let databaseName: string;
let admin: pg.Client;
let smtp: SmtpSink;
let port: number;
let api: Spawned;
let worker: Spawned;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const base = () => `http://127.0.0.1:${port}`;
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

/** Terminates every connection to the service's database; returns how many there were. */
async function terminateConnections(): Promise<number> {
  const result = await admin.query<{ n: number }>(
    `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where datname = $1 and pid <> pg_backend_pid()`,
    [databaseName],
  );
  return result.rows[0]?.n ?? 0;
}

async function readyStatus(): Promise<number> {
  try {
    return (await fetch(`${base()}/ready`, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return 0;
  }
}

/** Status of every message, read from outside the service. */
async function messageStatuses(): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: database.env.DATABASE_URL });
  await client.connect();
  try {
    const result = await client.query<{ id: string; status: string }>('select id, status from messages');
    return new Map(result.rows.map((row) => [row.id, row.status]));
  } finally {
    await client.end();
  }
}

/** Messages received by the sink, per `X-Jalon-Message-Id`. */
function deliveries(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { raw } of smtp.received) {
    const id = /^x-jalon-message-id:\s*(\S+)/im.exec(raw.toString('latin1'))?.[1] ?? 'none';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** A process that exited, or printed an unhandled error, counts as crashed. */
function crashes(): string[] {
  return (
    [
      ['api', api],
      ['worker', worker],
    ] as const
  ).flatMap(([name, p]) => [
    ...(p.child.exitCode !== null || p.child.signalCode !== null ? [`${name} exited`] : []),
    ...(/Unhandled 'error' event|uncaughtException|unhandledRejection/.test(p.output())
      ? [`${name} reported an unhandled error`]
      : []),
  ]);
}

/** The end of each process's output, to tell why it died. */
const tails = () =>
  [api, worker].map((p, i) => `--- ${i === 0 ? 'api' : 'worker'}:\n${p.output().slice(-2_000)}`).join('\n');

/**
 * Creates one message, retrying until the API answers 201 (without an Idempotency-Key: a
 * request whose answer was lost may store a second message, which must go out too).
 */
async function createMessage(): Promise<string> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const response = await fetch(`${base()}/v1/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ projectRef: fixture.orderNumber, template: 'relance-bilan' }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json()) as { id?: string };
      if (response.status === 201 && body.id) return body.id;
    } catch {
      // Busy reconnecting: try again.
    }
    if (crashes().length > 0) throw new Error(`${crashes().join(', ')}\n${tails()}`);
    if (Date.now() > deadline) throw new Error('a message could not be created within 120 s');
    await sleep(200);
  }
}

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  databaseName = new URL(database.env.DATABASE_URL ?? '').pathname.slice(1);
  admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  smtp = await startSmtpSink({ parse: false });
  port = await freePort();
  const env = {
    ...database.env,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `{js${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}}`,
    PORT: String(port),
    BOOTSTRAP_ADMIN_KEY: KEY,
    EMAIL_TRANSPORT: 'smtp',
    SMTP_URL: smtp.url,
    EMAIL_FROM: 'Jalon <jalon@operateur.example>',
    EMAIL_CONCURRENCY: '20',
    SEND_BACKOFF_MS: '100',
    WORKER_LOCK_MS: '5000',
    RECONCILE_INTERVAL_MS: '2000',
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
  };
  api = spawnEntry('src/server.ts', env);
  await waitFor(async () => ((await readyStatus()) === 200 ? true : undefined), 60_000);
  // At info level, for the line that says the workers are ready.
  worker = spawnEntry('workers/main.ts', { ...env, LOG_LEVEL: 'info' });
  await waitFor(async () => (worker.output().includes('workers are ready') ? true : undefined), 60_000);
  const put = await fetch(`${base()}/v1/projects/${fixture.orderNumber}`, {
    method: 'PUT',
    headers,
    body: JSON.stringify(fixture),
  });
  expect(put.status).toBe(201);
}, 120_000);

afterAll(async () => {
  for (const p of [api, worker]) {
    if (p && p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  }
  await smtp?.close();
  await admin?.end();
  await database?.drop();
});

describe('a database that drops every connection, again and again', () => {
  it(`crashes, loses and repeats nothing over ${MESSAGES} sends and ${FAULTS} terminations`, async () => {
    const before = new Set((await messageStatuses()).keys());
    const acknowledged: string[] = [];
    let started = 0;
    const creating = Promise.all(
      Array.from({ length: 20 }, async () => {
        while (started < MESSAGES) {
          started++;
          acknowledged.push(await createMessage());
        }
      }),
    );
    creating.catch(() => {}); // awaited below; a failure must not wait for the faults to end

    // Spread over the run: a fault each time about 90 more messages have gone out, or after
    // 3 s without progress (a service that stopped sending still gets all its faults).
    let terminated = 0;
    let lastFault = Date.now();
    for (let i = 0; i < FAULTS && crashes().length === 0; i++) {
      const target = 50 + i * 90;
      const since = Date.now();
      await waitFor(
        async () => (smtp.received.length >= target || Date.now() - since > 3_000 ? true : undefined),
        10_000,
      );
      terminated += await terminateConnections();
      lastFault = Date.now();
      await sleep(300);
    }
    await creating;

    // What the run asked to send (not the welcome draft the order's automation prepares).
    const stored = async () =>
      [...(await messageStatuses())].filter(([id, status]) => !before.has(id) && status !== 'draft');
    let delivered = deliveries();
    await waitFor(async () => {
      delivered = deliveries();
      const all = (await stored()).every(([id, status]) => status === 'sent' && delivered.has(id));
      return all || crashes().length > 0 ? true : undefined;
    }, 60_000).catch(() => {});
    const recoveredMs = Date.now() - lastFault;
    await sleep(2_000); // for a repeat that would come late
    delivered = deliveries();

    const rows = await stored();
    const lost = new Set([
      ...acknowledged.filter((id) => !delivered.has(id)),
      ...rows.filter(([id, status]) => status !== 'sent' || !delivered.has(id)).map(([id]) => id),
    ]).size;
    const duplicates = [...delivered.values()].reduce((sum, n) => sum + n - 1, 0);
    const unsent = rows.filter(([id, status]) => status !== 'sent' || !delivered.has(id));
    if (unsent.length > 0) console.log(`not sent: ${unsent.map(([id, status]) => `${id} ${status}`).join(', ')}`);
    const crashed = crashes();
    console.log(
      `database faults: ${FAULTS} terminations (${terminated} connections) over ${MESSAGES} requests ` +
        `(${rows.length} messages stored): ${crashed.length} crashed process(es), ${lost} lost, ` +
        `${duplicates} duplicate(s), all sent ${recoveredMs} ms after the last fault`,
    );
    expect(crashed, tails()).toEqual([]);
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
    expect(recoveredMs).toBeLessThan(60_000);
    expect(await readyStatus()).toBe(200);
  }, 300_000);
});

describe('a database that refuses connections for a while', () => {
  it('makes /ready answer 503, then 200 once it is back, and the worker sends what came due meanwhile', async () => {
    const received = smtp.received.length;
    const created = await fetch(`${base()}/v1/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        projectRef: fixture.orderNumber,
        template: 'relance-bilan',
        sendAt: new Date(Date.now() + 3_000).toISOString(),
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    // As close to a restart as a shared server allows: nobody may connect, and nobody is.
    await admin.query(`alter database ${databaseName} allow_connections false`);
    try {
      await terminateConnections();
      await waitFor(async () => ((await readyStatus()) === 503 ? true : undefined), 20_000);
      await sleep(5_000); // past the message's send time: the worker meets the outage
      expect(await readyStatus()).toBe(503);
      expect(smtp.received.length).toBe(received);
      // A caller learns it can retry, rather than that the service broke.
      const refused = await fetch(`${base()}/v1/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ projectRef: fixture.orderNumber, template: 'relance-bilan', draft: true }),
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('2');
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('database_unavailable');
    } finally {
      await admin.query(`alter database ${databaseName} allow_connections true`);
    }
    const back = Date.now();
    await waitFor(async () => ((await readyStatus()) === 200 ? true : undefined), 20_000);
    const readyMs = Date.now() - back;
    await waitFor(async () => (deliveries().has(id) ? true : undefined), 60_000);
    console.log(`database outage: ready ${readyMs} ms and the due message sent ${Date.now() - back} ms after it ended`);
    expect(deliveries().get(id)).toBe(1);
    expect(crashes(), tails()).toEqual([]);
  }, 120_000);
});
