import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import pg from 'pg';
import { messages, type Recipient } from '../src/db/schema.js';
import type { Deps } from '../src/deps.js';
import type { Caller } from '../src/keys/service.js';
import { findMessage, move } from '../src/messages/moves.js';
import { loadMessageContext } from '../src/messages/context.js';
import { loadProject } from '../src/projects/repository.js';
import { startWorkers, type Workers } from '../workers/index.js';
import { type BenchEnvironment, benchEnvironment, FIXTURE, FROM, REDIS_URL, TEMPLATE } from './environment.js';
import { countTrips, type StepCount, tripRecorder } from './trips.js';
import {
  type CountingSink,
  CORES,
  cpuProbe,
  type CpuSample,
  fmtMs,
  fmtRate,
  machineLine,
  pct,
  percentile,
  processTicks,
  rate,
  runBounded,
  sleep,
  TICK_MS,
} from './support.js';

/**
 * End-to-end delivery against raw SMTP, in one run and on one in-process SMTP sink:
 *
 * 1. Throughput. Baseline: pooled nodemailer, configured like the service's SMTP transport,
 *    sending pre-rendered accusés de réception. Service: the real API (`inject`), PostgreSQL,
 *    BullMQ on Redis and the workers in this process, from the first POST /v1/messages until
 *    every row is `sent`. A short sweep picks EMAIL_CONCURRENCY; a phase breakdown (create with
 *    no worker, then drain) with round trips, CPU (Node and PostgreSQL backends) and sampled
 *    PostgreSQL wait events per message, and the cost of single steps, say where the time goes.
 * 2. On time under load. Due messages arriving at 80 % of the drain capacity measured in step 1
 *    (30 s), then 10,000 due within one minute; sent_at − send_at per message. They are stored
 *    as copies of a rendered message and queued through the service's producer, so that the
 *    window measures delivery alone. Time-boxed: what is not sent 30 s after the last sendAt
 *    counts with its lateness so far.
 *
 * Round trips per message are counted first, messages one at a time (./trips.ts).
 *
 * Everything runs in this process on a fresh database and queue prefix, removed at the end.
 */

const COMMAND = 'npm run bench -- pipeline';
const ENV_KNOBS = ['BENCH_DATABASE_URL', 'BENCH_REDIS_URL', 'BENCH_EMAIL_CONCURRENCY', 'BENCH_PIPELINE_SCALE'];
const CONCURRENCIES = (process.env.BENCH_EMAIL_CONCURRENCY ?? '10,25')
  .split(',')
  .map((value) => Number.parseInt(value, 10))
  .filter((value) => Number.isInteger(value) && value > 0);
/** Below 1 for a quick look (every count and the lateness window shrink); 1 for the real figures. */
const SCALE = Math.min(1, Math.max(0.01, Number(process.env.BENCH_PIPELINE_SCALE ?? 1) || 1));
const scaled = (value: number) => Math.max(10, Math.round(value * SCALE));

const MESSAGES = scaled(2_000);
const SWEEP_MESSAGES = scaled(300);
const BREAKDOWN_MESSAGES = scaled(1_000);
const LATE_MESSAGES = scaled(10_000);
const LATE_SPREAD_MS = Math.round(60_000 * SCALE);
/** The on-time run: due messages arriving at this share of the drain capacity, over this window. */
const ON_TIME_SHARE = 0.8;
const ON_TIME_SPREAD_MS = Math.round(30_000 * SCALE);
/** Queueing a due message through the producer, 50 at a time, on a busy machine (a margin). */
const QUEUE_MS_PER_MESSAGE = 2;
/** Between the end of the storing of a lateness run's messages and the first of them being due. */
const LATE_LEAD_MS = 3_000;
/** How long after the last sendAt the lateness run waits before it calls the rest "not sent in time". */
const LATE_GRACE_MS = 30_000;
const OPERATIONS = 300;
const STALL_MS = 30_000;
const WARMUP = scaled(300);
const CALIBRATION = 2_000;
const CLIENT_IN_FLIGHT = 50;
const RAW_IN_FLIGHT = 100;
const CALLER: Caller = { kind: 'key', id: 'bench', name: 'bench', role: 'admin', agency: '*', racId: null };
const RATIO_GOAL = 0.6;
const LATENESS_P99_GOAL_MS = 1_000;

/** The pool settings of the service's SMTP transport, read from its source so both stay alike. */
function serviceSmtpPool(): { maxConnections: number; maxMessages: number } {
  const source = readFileSync(new URL('../src/channels/email.ts', import.meta.url), 'utf8');
  const maxConnections = Number(/maxConnections:\s*(\d+)/.exec(source)?.[1] ?? NaN);
  const maxMessages = Number(/maxMessages:\s*(\d+)/.exec(source)?.[1] ?? NaN);
  if (!Number.isFinite(maxConnections) || !Number.isFinite(maxMessages)) {
    throw new Error('could not read maxConnections/maxMessages from src/channels/email.ts');
  }
  return { maxConnections, maxMessages };
}

/**
 * Counts the calls of a client method (PostgreSQL: Client#query, one per round trip including
 * BEGIN and COMMIT; Redis: Redis#sendCommand, one per command, pipelined or not) made by the
 * service, i.e. by every instance but the bench's own.
 */
function callCounter(proto: object, method: string, ignored: Set<unknown>) {
  const target = proto as Record<string, (...args: unknown[]) => unknown>;
  const original = target[method]!;
  let count = 0;
  target[method] = function (this: unknown, ...args: unknown[]) {
    if (!ignored.has(this)) count++;
    return original.apply(this, args);
  };
  return {
    read: () => count,
    restore: () => {
      target[method] = original;
    },
  };
}

interface Measured {
  label: string;
  count: number;
  ms: number;
  cpu: CpuSample;
  queries?: number;
  redisCommands?: number;
  /** CPU of the PostgreSQL backends serving the bench database, ms. */
  pgCpuMs?: number;
  /** Average number of active backends per wait event ("CPU" when not waiting). */
  waits?: Map<string, number>;
  /** Statements seen waiting for a lock, by their start, with how often. */
  lockedStatements?: Map<string, number>;
  bytes: number;
}

interface Context {
  deps: Deps;
  app: FastifyInstance;
  key: string;
  sink: CountingSink;
  monitor: pg.Client;
  redis: Redis;
  queries: { read(): number };
  commands: { read(): number };
  body: Record<string, unknown>;
  /** Before this instant, no progress is expected (scheduled messages not yet due). */
  firstDue: number;
}

async function backendPids(monitor: pg.Client): Promise<number[]> {
  const result = await monitor.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  return result.rows.map((row) => row.pid);
}

/** CPU ticks of the backends serving the bench database (those that lived through the phase). */
async function pgTicks(monitor: pg.Client): Promise<Map<number, number>> {
  const ticks = new Map<number, number>();
  for (const pid of await backendPids(monitor)) {
    const value = processTicks(pid);
    if (value !== undefined) ticks.set(pid, value);
  }
  return ticks;
}

function ticksSince(before: Map<number, number>, after: Map<number, number>): number | undefined {
  if (after.size === 0) return undefined;
  let total = 0;
  for (const [pid, value] of after) total += value - (before.get(pid) ?? 0);
  return total * TICK_MS;
}

async function countSent(monitor: pg.Client): Promise<number> {
  const result = await monitor.query<{ n: number }>(`select count(*)::int as n from messages where status = 'sent'`);
  return result.rows[0]?.n ?? 0;
}

async function statusCounts(monitor: pg.Client): Promise<string> {
  const result = await monitor.query<{ status: string; n: number }>(
    'select status, count(*)::int as n from messages group by status order by status',
  );
  return result.rows.map((row) => `${row.status}=${row.n}`).join(', ');
}

async function stuck(ctx: Context, why: string): Promise<Error> {
  const jobs = await ctx.deps.producer.queue('email').getJobCounts();
  return new Error(`${why}: rows ${await statusCounts(ctx.monitor)}; email jobs ${JSON.stringify(jobs)}`);
}

/**
 * Polls until `target` rows are sent. Past the deadline it throws, or returns false if `lenient`;
 * it throws at once when nothing moves for STALL_MS (a broken pipeline should not take minutes).
 */
async function waitSent(ctx: Context, target: number, timeoutMs: number, lenient = false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const sent = await countSent(ctx.monitor);
    if (sent >= target) return true;
    if (sent !== last) {
      last = sent;
      movedAt = Date.now();
    }
    if (Date.now() > deadline) {
      if (lenient) return false;
      throw await stuck(ctx, `not all messages sent within ${fmtMs(timeoutMs)}`);
    }
    // Nothing is expected to move before the first message is due.
    if (Date.now() - Math.max(movedAt, ctx.firstDue) > STALL_MS) {
      throw await stuck(ctx, `no message sent for ${fmtMs(STALL_MS)}`);
    }
    await sleep(20);
  }
}

async function post(ctx: Context, ids: string[]): Promise<void> {
  const response = await ctx.app.inject({
    method: 'POST',
    url: '/v1/messages',
    headers: { authorization: `Bearer ${ctx.key}` },
    payload: ctx.body,
  });
  if (response.statusCode !== 201) {
    throw new Error(`POST /v1/messages answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
  }
  ids.push((response.json() as { id: string }).id);
}

function withConcurrency(deps: Deps, concurrency: number): Deps {
  return { ...deps, config: { ...deps.config, EMAIL_CONCURRENCY: concurrency } };
}

/**
 * Samples what the backends of the bench database are doing (pg_stat_activity) every 100 ms:
 * running, waiting for a lock, for the WAL flush of a commit, or for the client.
 */
function waitSampler(monitor: pg.Client) {
  const counts = new Map<string, number>();
  const locked = new Map<string, number>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const result = await monitor.query<{ what: string; query: string }>(
        `select coalesce(wait_event_type || ':' || wait_event, 'CPU') as what,
                case when wait_event_type = 'Lock' then left(regexp_replace(query, '\\s+', ' ', 'g'), 400) else '' end as query
           from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and state = 'active'`,
      );
      samples++;
      for (const row of result.rows) {
        counts.set(row.what, (counts.get(row.what) ?? 0) + 1);
        if (row.query) {
          // The statement's tables say which row is contended (its own CTE names aside).
          const ctes = new Set([...row.query.matchAll(/(?:with|,)\s*(\w+) as \(/gi)].map((m) => m[1]));
          const named = [...row.query.matchAll(/(?:insert into|update|from) "?(\w+)"?/gi)].map((m) => m[1]);
          const tables = [...new Set(named)].filter((name) => !ctes.has(name));
          const key = `${row.query.split(' ').slice(0, 2).join(' ')} … (${tables.join(', ')})`;
          locked.set(key, (locked.get(key) ?? 0) + 1);
        }
      }
      await sleep(100);
    }
  })();
  return async () => {
    running = false;
    await loop.catch(() => {});
    const average = (map: Map<string, number>) =>
      new Map([...map].map(([what, n]) => [what, n / Math.max(1, samples)]));
    return { waits: average(counts), locked: average(locked) };
  };
}

async function measure(ctx: Context, label: string, count: number, run: () => Promise<void>): Promise<Measured> {
  const queries = ctx.queries.read();
  const commands = ctx.commands.read();
  const sinkBytes = ctx.sink.bytes();
  const ticks = await pgTicks(ctx.monitor);
  const stopSampling = waitSampler(ctx.monitor);
  const probe = cpuProbe();
  const start = performance.now();
  let ms: number;
  let cpu: CpuSample;
  let sampled: Awaited<ReturnType<typeof stopSampling>>;
  try {
    await run();
    ms = performance.now() - start;
    cpu = probe();
  } finally {
    sampled = await stopSampling();
  }
  return {
    waits: sampled.waits,
    lockedStatements: sampled.locked,
    label,
    count,
    ms,
    cpu,
    queries: ctx.queries.read() - queries,
    redisCommands: ctx.commands.read() - commands,
    pgCpuMs: ticksSince(ticks, await pgTicks(ctx.monitor)),
    bytes: ctx.sink.bytes() - sinkBytes,
  };
}

/** Pooled nodemailer, configured as in the service, on pre-rendered content. */
async function rawSmtp(
  label: string,
  sink: CountingSink,
  mail: Mail.Options,
  count: number,
  warmup: number,
): Promise<Measured> {
  const pool = serviceSmtpPool();
  const transport = nodemailer.createTransport({
    url: sink.url,
    pool: true,
    maxConnections: pool.maxConnections,
    maxMessages: pool.maxMessages,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const send = async () => {
    const id = randomUUID();
    await transport.sendMail({
      ...mail,
      messageId: `<${id}@operateur.example>`,
      headers: { 'X-Jalon-Message-Id': id },
    });
  };
  try {
    await runBounded(warmup, RAW_IN_FLIGHT, send);
    const bytes = sink.bytes();
    const probe = cpuProbe();
    const start = performance.now();
    await runBounded(count, RAW_IN_FLIGHT, send);
    const ms = performance.now() - start;
    return { label, count, ms, cpu: probe(), bytes: sink.bytes() - bytes };
  } finally {
    transport.close();
  }
}

interface ServiceRun {
  concurrency: number;
  total: Measured;
  createMs: number;
}

/** Workers running; POSTs with CLIENT_IN_FLIGHT in flight; done when every row is `sent`. */
async function serviceRun(ctx: Context, concurrency: number, count: number, label: string): Promise<ServiceRun> {
  const workers = await startWorkers(withConcurrency(ctx.deps, concurrency));
  try {
    const target = (await countSent(ctx.monitor)) + count;
    let createMs = 0;
    const ids: string[] = [];
    const total = await measure(ctx, label, count, async () => {
      const start = performance.now();
      await runBounded(count, CLIENT_IN_FLIGHT, () => post(ctx, ids));
      createMs = performance.now() - start;
      await waitSent(ctx, target, 300_000);
    });
    return { concurrency, total, createMs };
  } finally {
    await workers.close();
  }
}

interface Breakdown {
  create: Measured;
  drain: Measured;
  claimToSent: number[];
}

/** The two halves apart: create with no worker running, then start the workers and drain. */
async function breakdown(ctx: Context, concurrency: number, count: number): Promise<Breakdown> {
  const ids: string[] = [];
  const target = (await countSent(ctx.monitor)) + count;
  const create = await measure(ctx, 'create only (HTTP, no worker)', count, () =>
    runBounded(count, CLIENT_IN_FLIGHT, () => post(ctx, ids)),
  );
  let workers: Workers | undefined;
  let drain: Measured;
  try {
    drain = await measure(ctx, `drain only (workers, EMAIL_CONCURRENCY=${concurrency})`, count, async () => {
      workers = await startWorkers(withConcurrency(ctx.deps, concurrency));
      await waitSent(ctx, target, 300_000);
    });
  } finally {
    await workers?.close();
  }
  // From the claim (start of the `sending` transaction) to sent_at (taken after the SMTP reply).
  const stages = await ctx.monitor.query<{ send: number }>(
    `select extract(epoch from (m.sent_at - e.at)) * 1000 as send
       from messages m
       join history_events e on e.type = 'message.sending' and e.data->>'messageId' = m.id
      where m.id = any($1::text[])`,
    [ids],
  );
  return { create, drain, claimToSent: stages.rows.map((row) => Number(row.send)).sort((a, b) => a - b) };
}

interface RoundTrip {
  nodeUs: number;
  wallUs: number;
  serverUs?: number;
}

/** What one round trip costs on this machine: sequential `select 1` through the service's pool, Redis PING. */
async function roundTrips(ctx: Context): Promise<{ pg: RoundTrip; redis: RoundTrip }> {
  const ticks = await pgTicks(ctx.monitor);
  let probe = cpuProbe();
  for (let index = 0; index < CALIBRATION; index++) await ctx.deps.db.execute(sql`select 1`);
  let cpu = probe();
  const serverMs = ticksSince(ticks, await pgTicks(ctx.monitor));
  const pgCost: RoundTrip = {
    nodeUs: (cpu.processMs * 1000) / CALIBRATION,
    wallUs: (cpu.wallMs * 1000) / CALIBRATION,
    ...(serverMs === undefined ? {} : { serverUs: (serverMs * 1000) / CALIBRATION }),
  };
  probe = cpuProbe();
  for (let index = 0; index < CALIBRATION; index++) await ctx.redis.ping();
  cpu = probe();
  return {
    pg: pgCost,
    redis: { nodeUs: (cpu.processMs * 1000) / CALIBRATION, wallUs: (cpu.wallMs * 1000) / CALIBRATION },
  };
}

interface Operation {
  name: string;
  trips: string;
  wallUs: number;
  nodeUs: number;
  serverUs?: number;
}

/**
 * What the steps of the pipeline cost one at a time (sequential, on sent rows), next to the
 * single-statement forms they could take: the evidence behind the suggestions.
 */
async function operations(ctx: Context): Promise<Operation[]> {
  const { db, keys, renderer } = ctx.deps;
  const ids = (
    await ctx.monitor.query<{ id: string }>(`select id from messages where status = 'sent' limit ${OPERATIONS}`)
  ).rows.map((row) => row.id);
  const project = await loadProject(db, FIXTURE);
  if (!project || ids.length === 0) throw new Error('nothing to measure operations on');
  const input = ctx.body as { blocks: Record<string, string>; data: Record<string, unknown> };
  const actor = { name: 'bench' };
  const steps: [string, string, (id: string) => Promise<unknown>][] = [
    ['keys.authenticate (every request)', '1', () => keys.authenticate(ctx.key)],
    ['loadProject (the order, one statement)', '1', () => loadProject(db, FIXTURE)],
    [
      'loadMessageContext (create: the order, RAC profile, suppressions, drafts)',
      '1',
      () => loadMessageContext(db, FIXTURE, TEMPLATE, new Date()),
    ],
    ['renderer.render (create)', '0', async () => renderer.render(TEMPLATE, { project, ...input })],
    ['findMessage, whole row (delivery)', '1', (id) => findMessage(db, id)],
    [
      'select id, status, send_at, attempts (narrow read)',
      '1',
      (id) =>
        db
          .select({ id: messages.id, status: messages.status, sendAt: messages.sendAt, attempts: messages.attempts })
          .from(messages)
          .where(eq(messages.id, id)),
    ],
    [
      'move(): one WITH statement (update, event, outbox, counters)',
      '1',
      (id) => move(db, 'progress', id, { now: new Date(), actor, set: { lastError: null } }),
    ],
    [
      'same as one statement: WITH … UPDATE … RETURNING narrow, INSERT event',
      '1',
      (id) =>
        db.execute(sql`
          with moved as (
            update messages set last_error = null, updated_at = now()
             where id = ${id} and status = 'sent'
             returning id, project_ref, template_key, channel, status)
          insert into history_events (project_ref, type, actor, data)
          select project_ref, 'bench.noop', ${actor.name},
                 jsonb_build_object('messageId', id, 'template', template_key, 'channel', channel, 'status', status)
            from moved
          returning id`),
    ],
  ];
  const results: Operation[] = [];
  for (const [name, trips, step] of steps) {
    for (let index = 0; index < 30; index++) await step(ids[index % ids.length]!);
    const ticks = await pgTicks(ctx.monitor);
    const probe = cpuProbe();
    for (let index = 0; index < OPERATIONS; index++) await step(ids[index % ids.length]!);
    const cpu = probe();
    const serverMs = ticksSince(ticks, await pgTicks(ctx.monitor));
    results.push({
      name,
      trips,
      wallUs: (cpu.wallMs * 1000) / OPERATIONS,
      nodeUs: (cpu.processMs * 1000) / OPERATIONS,
      ...(serverMs === undefined || trips === '0' ? {} : { serverUs: (serverMs * 1000) / OPERATIONS }),
    });
  }
  return results;
}

interface Lateness {
  count: number;
  spreadMs: number;
  /** Storing and queueing the messages, before the first was due. */
  storeMs: number;
  /** From the end of the queueing to the first sendAt (negative: the queueing overran). */
  leadMs: number;
  sent: number[];
  claimed: number[];
  totalMs: number;
  /** Messages still not sent LATE_GRACE_MS after the last sendAt. */
  unsent: number;
}

/**
 * Stores `count` scheduled copies of a message the service rendered (one SQL statement), then
 * spreads their sendAt over `spreadMs` from a first one due `LATE_LEAD_MS` plus the expected
 * queueing time later, and queues each through the service's producer. What is measured is
 * the delivery side; creating them through the API would take longer than the window they are
 * due in on this machine (the create rate is measured above). Returns the ids and the first sendAt.
 */
async function storeDue(ctx: Context, count: number, spreadMs: number) {
  const stored = await ctx.monitor.query<{ id: string }>(
    `with model as (select to_jsonb(m) as j from messages m where status = 'sent' limit 1)
     insert into messages
     select (jsonb_populate_record(null::messages, model.j || jsonb_build_object(
       'id', gen_random_uuid()::text, 'status', 'scheduled', 'attempts', 0, 'revision', 1,
       'send_at', 'infinity', 'sent_at', null, 'provider_id', null, 'created_at', now(), 'updated_at', now()))).*
       from model, generate_series(1, $1::int)
     returning id`,
    [count],
  );
  if (stored.rows.length !== count) throw new Error(`stored ${stored.rows.length} of ${count} due messages`);
  const ids = stored.rows.map((row) => row.id);
  const first = Date.now() + LATE_LEAD_MS + QUEUE_MS_PER_MESSAGE * count;
  const due = await ctx.monitor.query<{ id: string; send_at: Date }>(
    `update messages m set send_at = to_timestamp(($2::bigint + ((u.i - 1) * $3::bigint) / $4::bigint) / 1000.0)
       from unnest($1::text[]) with ordinality as u(id, i) where m.id = u.id
     returning m.id, m.send_at`,
    [ids, first, spreadMs, count],
  );
  const rows = due.rows;
  await runBounded(rows.length, CLIENT_IN_FLIGHT, async (index) => {
    const row = rows[index]!;
    if (!(await ctx.deps.producer.enqueue({ id: row.id, channel: 'email', sendAt: row.send_at }))) {
      throw new Error('a due message could not be queued');
    }
  });
  return { ids, first };
}

/** Messages due over `spreadMs`, the first LATE_LEAD_MS after they are stored and queued; workers running throughout. */
async function lateness(ctx: Context, concurrency: number, count: number, spreadMs: number): Promise<Lateness> {
  const workers = await startWorkers(withConcurrency(ctx.deps, concurrency));
  try {
    const target = (await countSent(ctx.monitor)) + count;
    const start = Date.now();
    ctx.firstDue = Number.POSITIVE_INFINITY;
    const { ids, first } = await storeDue(ctx, count, spreadMs);
    ctx.firstDue = first;
    const storeMs = Date.now() - start;
    await waitSent(ctx, target, first - Date.now() + spreadMs + LATE_GRACE_MS, true);
    const totalMs = Date.now() - first;
    // A message not sent (or not claimed) by now is at least this late: counted as such, so the
    // percentiles are lower bounds rather than figures that leave the worst cases out.
    const cutoff = new Date();
    const rows = await ctx.monitor.query<{ sent: number; claimed: number; done: boolean }>(
      `select extract(epoch from (coalesce(m.sent_at, $2) - m.send_at)) * 1000 as sent,
              extract(epoch from (coalesce(e.at, $2) - m.send_at)) * 1000 as claimed,
              m.status = 'sent' as done
         from messages m
         left join history_events e on e.type = 'message.sending' and e.data->>'messageId' = m.id
        where m.id = any($1::text[])`,
      [ids, cutoff],
    );
    return {
      count,
      spreadMs,
      unsent: rows.rows.filter((row) => !row.done).length,
      storeMs,
      leadMs: first - (start + storeMs),
      totalMs,
      sent: rows.rows.map((row) => Number(row.sent)).sort((a, b) => a - b),
      claimed: rows.rows.map((row) => Number(row.claimed)).sort((a, b) => a - b),
    };
  } finally {
    await workers.close();
  }
}

const perMessage = (value: number | undefined, count: number, digits = 1) =>
  value === undefined || Number.isNaN(value) ? 'n/a' : (value / count).toFixed(digits);

const HEADER = [
  '| run | messages | time | rate | PG round trips/msg | Redis cmds/msg | Node CPU/msg | PG backends CPU/msg | event loop busy | host busy | of which others |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
];

function row(m: Measured): string {
  return (
    `| ${m.label} | ${m.count} | ${fmtMs(m.ms)} | ${fmtRate(rate(m.count, m.ms))} | ${perMessage(m.queries, m.count)} | ` +
    `${perMessage(m.redisCommands, m.count)} | ${perMessage(m.cpu.processMs, m.count, 2)} ms | ` +
    `${m.pgCpuMs === undefined ? 'n/a' : `${perMessage(m.pgCpuMs, m.count, 2)} ms`} | ${pct(m.cpu.elu)} | ` +
    `${pct(m.cpu.machine)} | ${pct(others(m))} |`
  );
}

const WAIT_COLUMNS = ['CPU', 'Lock:transactionid', 'Lock:tuple', 'IO:WALSync', 'LWLock:WALWrite', 'Client:ClientRead'];

function waitRow(m: Measured): string {
  const waits = m.waits ?? new Map<string, number>();
  const other = [...waits].filter(([what]) => !WAIT_COLUMNS.includes(what));
  const otherTotal = other.reduce((sum, [, n]) => sum + n, 0);
  const top = other.sort((a, b) => b[1] - a[1])[0];
  return (
    `| ${m.label} | ${WAIT_COLUMNS.map((what) => (waits.get(what) ?? 0).toFixed(2)).join(' | ')} | ` +
    `${otherTotal.toFixed(2)}${top && top[1] >= 0.05 ? ` (mostly ${top[0]})` : ''} |`
  );
}

function lockedLines(m: Measured): string[] {
  const top = [...(m.lockedStatements ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]).slice(0, 3);
  if (top.length === 0) return [];
  return [
    `Statements waiting for a lock in the end-to-end run (average number waiting: statement start … tables it names):`,
    '',
    ...top.map(([statement, n]) => `- ${n.toFixed(2)} × \`${statement}\``),
    '',
  ];
}

/** Share of the host busy with anything but this process and its PostgreSQL backends (Redis, other users…). */
function others(m: Measured): number {
  const capacity = m.cpu.wallMs * CORES;
  return Math.max(0, m.cpu.machine - (m.cpu.processMs + (m.pgCpuMs ?? 0)) / capacity);
}

const distribution = (label: string, sorted: number[]) =>
  `| ${label} | ${fmtMs(percentile(sorted, 50))} | ${fmtMs(percentile(sorted, 90))} | ${fmtMs(percentile(sorted, 99))} | ` +
  `${fmtMs(sorted.at(-1) ?? NaN)} | ${fmtMs(sorted[0] ?? NaN)} |`;

export async function benchPipeline(): Promise<string> {
  const started = Date.now();
  const overrides = ENV_KNOBS.filter((name) => process.env[name]).map((name) => `${name}=${process.env[name]}`);
  const lines: string[] = [`Machine: ${machineLine()}`, `Command: \`${[...overrides, COMMAND].join(' ')}\``];
  const ignored = new Set<unknown>();
  const logged: string[] = [];
  let warnings = 0;

  // Round trips by step first, counted alone in an environment of their own (see ./trips.ts).
  const recorder = tripRecorder();
  let steps: StepCount[];
  try {
    const counting = await benchEnvironment({ register: recorder.ignore });
    try {
      steps = await countTrips(counting, recorder);
    } finally {
      await counting.close();
    }
  } finally {
    recorder.restore();
  }

  const queries = callCounter(pg.Client.prototype, 'query', ignored);
  const commands = callCounter(Redis.prototype, 'sendCommand', ignored);
  let env: BenchEnvironment | undefined;
  let redis: Redis | undefined;
  try {
    env = await benchEnvironment({
      register: (client) => ignored.add(client),
      onLog: (line) => {
        warnings++;
        if (logged.length < 3) logged.push(line.trim().slice(0, 600));
      },
    });
    const { deps, app, key, sink, monitor, config, body } = env;
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    ignored.add(redis);
    const pool = serviceSmtpPool();
    lines.push(
      `PostgreSQL ${env.versions.postgres} (synchronous_commit=${env.versions.synchronousCommit}), Redis ${env.versions.redis}, all on this machine; ` +
        `queue prefix ${env.prefix}; DATABASE_POOL_SIZE=${config.DATABASE_POOL_SIZE}, ` +
        `SMTP pool as in src/channels/email.ts (maxConnections ${pool.maxConnections}, maxMessages ${pool.maxMessages}); ` +
        `API (inject), workers and SMTP sink in this one Node process.`,
    );
    if (SCALE < 1) lines.push(`BENCH_PIPELINE_SCALE=${SCALE}: reduced counts, not the reference figures.`);

    // The baseline's content: exactly what the service renders and addresses for that request.
    const preview = await deps.messages.preview(body, CALLER);
    if (preview.channel !== 'email' || 'error' in preview.recipients) throw new Error('unexpected preview');
    const recipients = preview.recipients;
    const address = (r: Recipient) => (r.name ? { name: r.name, address: r.address } : r.address);
    const project = await loadProject(deps.db, FIXTURE);
    const mail: Mail.Options = {
      from: FROM,
      to: recipients.to.map(address),
      cc: recipients.cc.map(address),
      replyTo: project?.rac.email,
      subject: preview.subject,
      html: preview.html,
      text: preview.text,
    };
    lines.push(
      `Message: ${TEMPLATE} for ${FIXTURE} (${project?.sites.length} sites), rendered by the service: HTML ` +
        `${(Buffer.byteLength(preview.html) / 1024).toFixed(1)} KiB + text ${(Buffer.byteLength(preview.text) / 1024).toFixed(1)} KiB. ` +
        `Sink: smtp-server on 127.0.0.1, accepts everything, counts and drains, no parsing.`,
    );

    const ctx: Context = { deps, app, key, sink, monitor, redis, queries, commands, body, firstDue: 0 };

    // 1. Throughput. Baseline before and after the service runs, in case the machine drifts.
    const rawBefore = await rawSmtp('raw nodemailer pool (before)', sink, mail, MESSAGES, WARMUP);
    await serviceRun(ctx, CONCURRENCIES[0] ?? 10, WARMUP, 'warm-up');
    const sweep: ServiceRun[] = [];
    for (const concurrency of CONCURRENCIES) {
      sweep.push(await serviceRun(ctx, concurrency, SWEEP_MESSAGES, `sweep, EMAIL_CONCURRENCY=${concurrency}`));
    }
    const chosen = sweep.reduce((a, b) => (b.total.ms < a.total.ms ? b : a)).concurrency;
    const main = await serviceRun(ctx, chosen, MESSAGES, `service end to end, EMAIL_CONCURRENCY=${chosen}`);
    const rawAfter = await rawSmtp('raw nodemailer pool (after)', sink, mail, MESSAGES, 0);
    const rawRate = Math.max(rate(rawBefore.count, rawBefore.ms), rate(rawAfter.count, rawAfter.ms));
    const serviceRate = rate(main.total.count, main.total.ms);
    const ratio = serviceRate / rawRate;
    const parts = await breakdown(ctx, chosen, BREAKDOWN_MESSAGES);
    const cost = await roundTrips(ctx);
    const singleSteps = await operations(ctx);

    // 2. On time under load: due messages arriving at ON_TIME_SHARE of the drain capacity
    // measured above, then 10,000 due within one minute.
    const createRate = rate(parts.create.count, parts.create.ms);
    const drainRate = rate(parts.drain.count, parts.drain.ms);
    const onTimeCount = Math.max(10, Math.round((drainRate * ON_TIME_SHARE * ON_TIME_SPREAD_MS) / 1000));
    const onTime = await lateness(ctx, chosen, onTimeCount, ON_TIME_SPREAD_MS);
    const late = await lateness(ctx, chosen, LATE_MESSAGES, LATE_SPREAD_MS);
    const perMsg = (m: Measured) => ({
      node: m.cpu.processMs / m.count,
      queries: (m.queries ?? 0) / m.count,
      commands: (m.redisCommands ?? 0) / m.count,
    });
    const share = (m: Measured) => {
      const p = perMsg(m);
      const tripsMs = (p.queries * cost.pg.nodeUs + p.commands * cost.redis.nodeUs) / 1000;
      return `${m.label}: ${p.queries.toFixed(1)} PG round trips × ${cost.pg.nodeUs.toFixed(0)} µs + ${p.commands.toFixed(1)} Redis commands × ${cost.redis.nodeUs.toFixed(0)} µs ≈ ${tripsMs.toFixed(2)} ms of the ${p.node.toFixed(2)} ms Node CPU per message (${pct(tripsMs / p.node)})`;
    };

    lines.push(
      '',
      '### PostgreSQL round trips per message, counted (messages one at a time, see `npm run bench -- trips`)',
      '',
      '| step | PG round trips / msg | Redis commands / msg |',
      '|---|---:|---:|',
      ...steps.map((step) => `| ${step.step} | ${step.pg.toFixed(1)} | ${step.redis.toFixed(1)} |`),
      '',
      `**POST /v1/messages → sent: ${(steps[0]!.pg + steps[1]!.pg).toFixed(1)} round trips (goal ≤ 6), ` +
        `plus ${steps[2]!.pg.toFixed(1)} for the follow-ups of its events.**`,
      '',
      `### Throughput: create → queue → render → SMTP → status stored`,
      '',
      ...HEADER,
      row(rawBefore),
      ...sweep.map((run) => row(run.total)),
      row(main.total),
      row(rawAfter),
      '',
      '| run | end to end | create phase (first POST → last 201, workers running) |',
      '|---|---:|---:|',
      ...[...sweep, main].map(
        (run) =>
          `| ${run.total.label} (${run.total.count}) | ${fmtRate(rate(run.total.count, run.total.ms))} | ` +
          `${fmtRate(rate(run.total.count, run.createMs))} (${fmtMs(run.createMs)}) |`,
      ),
      '',
      `Bytes on the wire per message: raw ${(rawBefore.bytes / rawBefore.count / 1024).toFixed(1)} KiB, ` +
        `service ${(main.total.bytes / main.total.count / 1024).toFixed(1)} KiB. ` +
        `HTTP requests in flight: ${CLIENT_IN_FLIGHT}; raw sends in flight: ${RAW_IN_FLIGHT}. ` +
        `EMAIL_CONCURRENCY=${chosen} chosen by the sweep (${SWEEP_MESSAGES} messages each).`,
      '',
      `**Raw SMTP ${fmtRate(rawRate)} (best of before/after) · service ${fmtRate(serviceRate)} end to end ` +
        `(${MESSAGES} messages, EMAIL_CONCURRENCY=${chosen}; create phase alone ${fmtRate(rate(MESSAGES, main.createMs))}) · ` +
        `ratio ${ratio.toFixed(2)} → ${ratio >= RATIO_GOAL ? 'goal met' : 'GOAL NOT MET'} (≥ ${RATIO_GOAL})**`,
      '',
      `### Where the time goes: ${BREAKDOWN_MESSAGES} messages, create and delivery apart (EMAIL_CONCURRENCY=${chosen})`,
      '',
      ...HEADER,
      row(parts.create),
      row(parts.drain),
      row(rawAfter),
      '',
      'PostgreSQL backends of the bench database, sampled every 100 ms (average number active, by what they wait for; CPU = running):',
      '',
      '| run | ' + WAIT_COLUMNS.join(' | ') + ' | other |',
      '|---|' + WAIT_COLUMNS.map(() => '---:|').join('') + '---:|',
      ...[main.total, parts.create, parts.drain].map(waitRow),
      '',
      ...lockedLines(main.total),
      `One round trip on this machine (${CALIBRATION} sequential): PostgreSQL \`select 1\` through the service's pool ` +
        `${cost.pg.wallUs.toFixed(0)} µs wall, ${cost.pg.nodeUs.toFixed(0)} µs Node CPU` +
        `${cost.pg.serverUs === undefined ? '' : `, ${cost.pg.serverUs.toFixed(0)} µs backend CPU`}; ` +
        `Redis PING ${cost.redis.wallUs.toFixed(0)} µs wall, ${cost.redis.nodeUs.toFixed(0)} µs Node CPU.`,
      '',
      `- ${share(parts.create)}`,
      `- ${share(parts.drain)}`,
      `- sequential estimate 1 / (1/create + 1/drain) = ` +
        `${fmtRate(1 / (1 / createRate + 1 / drainRate))}, against ${fmtRate(serviceRate)} with both at once`,
      '',
      '| per message, drain phase | p50 | p90 | p99 | max | min |',
      '|---|---:|---:|---:|---:|---:|',
      distribution('claim → sent_at (claim transaction + SMTP)', parts.claimToSent),
      '',
      `Steps one at a time (${OPERATIONS} sequential each, idle pipeline):`,
      '',
      '| step | PG round trips | wall | Node CPU | PG backend CPU |',
      '|---|---:|---:|---:|---:|',
      ...singleSteps.map(
        (step) =>
          `| ${step.name} | ${step.trips} | ${step.wallUs.toFixed(0)} µs | ${step.nodeUs.toFixed(0)} µs | ` +
          `${step.serverUs === undefined ? '–' : `${step.serverUs.toFixed(0)} µs`} |`,
      ),
      '',
      ...latenessLines(
        `On time at ${ON_TIME_SHARE * 100} % of the drain capacity: ${onTime.count} messages due over ${fmtMs(onTime.spreadMs)} ` +
          `(arrival ${fmtRate(rate(onTime.count, onTime.spreadMs))}, capacity ${fmtRate(drainRate)} measured above)`,
        onTime,
        chosen,
      ),
      ...latenessLines(
        `Lateness: ${LATE_MESSAGES} messages due within ${fmtMs(LATE_SPREAD_MS)} (arrival ${fmtRate(rate(LATE_MESSAGES, LATE_SPREAD_MS))}, capacity ${fmtRate(drainRate)})`,
        late,
        chosen,
      ),
      `Service warnings logged: ${warnings}${logged.length > 0 ? ` (first: ${logged.join(' | ')})` : ''}. ` +
        `Host busy counts every process on the machine; "of which others" is what neither this process nor its PostgreSQL backends used (Redis, other users). Total bench time ${fmtMs(Date.now() - started)}.`,
    );
    return lines.join('\n');
  } catch (error) {
    // What the service logged (warn and above) usually says why.
    if (logged.length > 0) (error as Error).message += `\nservice log: ${logged.join('\n')}`;
    throw error;
  } finally {
    redis?.disconnect();
    await env?.close();
    queries.restore();
    commands.restore();
  }
}

function latenessLines(title: string, late: Lateness, concurrency: number): string[] {
  const p99 = percentile(late.sent, 99);
  return [
    `### ${title}`,
    '',
    `Stored and queued in ${fmtMs(late.storeMs)}, ${fmtMs(late.leadMs)} before the first was due (EMAIL_CONCURRENCY=${concurrency}); ` +
      (late.unsent === 0
        ? `all sent ${fmtMs(late.totalMs)} after the first was due (window ${fmtMs(late.spreadMs)}).`
        : `${late.unsent} still NOT SENT ${fmtMs(LATE_GRACE_MS)} after the last was due: they count with their lateness so far, so the figures below are lower bounds.`),
    '',
    '| lateness | p50 | p90 | p99 | max | min |',
    '|---|---:|---:|---:|---:|---:|',
    distribution('sent_at − send_at', late.sent),
    distribution('claimed − send_at (worker picked it up)', late.claimed),
    '',
    `**Lateness p50 ${fmtMs(percentile(late.sent, 50))}, p99 ${late.unsent > 0 ? '≥ ' : ''}${fmtMs(p99)} over ${late.sent.length} messages → ` +
      `${p99 <= LATENESS_P99_GOAL_MS && late.unsent === 0 ? 'goal met' : 'GOAL NOT MET'} (p99 ≤ ${fmtMs(LATENESS_P99_GOAL_MS)})**`,
    '',
  ];
}
