import { Redis } from 'ioredis';
import pg from 'pg';
import { createDispatcher } from '../workers/followups.js';
import { startSenders } from '../workers/send.js';
import { type BenchEnvironment, benchEnvironment } from './environment.js';
import { machineLine, sleep } from './support.js';

/**
 * PostgreSQL round trips per message, counted rather than timed (the same on a busy machine):
 * every Client#query of the service (BEGIN and COMMIT included) and every Redis command, by
 * step of a message's way from POST /v1/messages to `sent`, messages one after another.
 *
 * 1. the request: authentication (cached), the order, the render, the stored message, the job;
 * 2. the delivery: the claim, SMTP, the record of `sent` (the BullMQ worker alone running);
 * 3. the follow-ups of the message's history events (the dispatcher, run by hand).
 *
 * Periodic work (reconciler, webhook sweep, deadline watch, retention) is not per message and
 * does not run here.
 */

const COMMAND = 'npm run bench -- trips';
const MESSAGES = 20;

export interface StepCount {
  step: string;
  pg: number;
  redis: number;
  /** The statements of one message, by their start, with how often. */
  statements: Map<string, number>;
}

function statementOf(args: unknown[]): string {
  const first = args[0];
  const text = typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? '?');
  return text.replace(/\s+/g, ' ').trim().slice(0, 70);
}

/** Counts the queries and commands of every client but the bench's own while installed. */
export function tripRecorder() {
  const ignored = new Set<unknown>();
  let statements = new Map<string, number>();
  let pgCount = 0;
  let redisCount = 0;
  type Method = (this: unknown, ...args: unknown[]) => unknown;
  const pgProto = pg.Client.prototype as unknown as Record<'query', Method>;
  const redisProto = Redis.prototype as unknown as Record<'sendCommand', Method>;
  const query = pgProto.query;
  const send = redisProto.sendCommand;
  pgProto.query = function (this: unknown, ...args: unknown[]) {
    if (!ignored.has(this)) {
      pgCount++;
      const key = statementOf(args);
      statements.set(key, (statements.get(key) ?? 0) + 1);
    }
    return query.apply(this, args);
  };
  redisProto.sendCommand = function (this: unknown, ...args: unknown[]) {
    if (!ignored.has(this)) redisCount++;
    return send.apply(this, args);
  };
  return {
    ignore: (client: unknown) => ignored.add(client),
    reset() {
      pgCount = 0;
      redisCount = 0;
      statements = new Map();
    },
    read: () => ({ pg: pgCount, redis: redisCount, statements }),
    restore() {
      pgProto.query = query;
      redisProto.sendCommand = send;
    },
  };
}
export type TripRecorder = ReturnType<typeof tripRecorder>;

async function sentCount(env: BenchEnvironment): Promise<number> {
  const result = await env.monitor.query<{ n: number }>(
    `select count(*)::int as n from messages where status = 'sent'`,
  );
  return result.rows[0]?.n ?? 0;
}

async function post(env: BenchEnvironment): Promise<void> {
  const response = await env.app.inject({
    method: 'POST',
    url: '/v1/messages',
    headers: { authorization: `Bearer ${env.key}` },
    payload: env.body,
  });
  if (response.statusCode !== 201)
    throw new Error(`POST /v1/messages answered ${response.statusCode}: ${response.body}`);
}

async function waitSent(env: BenchEnvironment, target: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await sentCount(env)) < target) {
    if (Date.now() > deadline) throw new Error(`messages not sent within a minute`);
    await sleep(5);
  }
}

/** Counts the steps of `count` messages, sequentially, in an environment already warmed up. */
export async function countTrips(
  env: BenchEnvironment,
  recorder: TripRecorder,
  count = MESSAGES,
): Promise<StepCount[]> {
  const dispatcher = createDispatcher({
    db: env.deps.db,
    logger: env.deps.logger,
    now: env.deps.now,
    subscribers: env.deps.subscribers,
  });
  const steps: StepCount[] = [];
  const record = (step: string) => {
    const { pg: pgCount, redis, statements } = recorder.read();
    const perMessage = new Map([...statements].map(([text, n]) => [text, n / count]));
    steps.push({ step, pg: pgCount / count, redis: redis / count, statements: perMessage });
  };
  const start = () => startSenders({ ...env.deps, config: { ...env.deps.config, EMAIL_CONCURRENCY: 1 } });
  // Warm-up: templates, connections, the key's cache, the workers' first blocking reads.
  let senders = start();
  let target = (await sentCount(env)) + 3;
  try {
    for (let index = 0; index < 3; index++) await post(env);
    await waitSent(env, target);
  } finally {
    await senders.close();
  }
  while ((await dispatcher.drain()) > 0);

  // The requests with no worker running, then the deliveries: no statement of one counts for the other.
  target = (await sentCount(env)) + count;
  recorder.reset();
  for (let index = 0; index < count; index++) await post(env);
  record('POST /v1/messages (request, until 201)');
  recorder.reset();
  senders = start();
  try {
    await waitSent(env, target);
  } finally {
    await senders.close();
  }
  record('delivery (claim, SMTP, sent), BullMQ worker');
  recorder.reset();
  while ((await dispatcher.drain()) > 0);
  record('follow-ups of its history events (dispatcher)');
  return steps;
}

export async function benchTrips(): Promise<string> {
  const recorder = tripRecorder();
  let env: BenchEnvironment | undefined;
  try {
    env = await benchEnvironment({ register: recorder.ignore });
    const lines = [
      `Machine: ${machineLine()}`,
      `Command: \`${COMMAND}\``,
      `PostgreSQL ${env.versions.postgres}, Redis ${env.versions.redis}. Counts, not timings: the load of the machine does not change them.`,
    ];
    const steps = await countTrips(env, recorder);
    lines.push('', '| step | PG round trips / msg | Redis commands / msg |', '|---|---:|---:|');
    for (const step of steps) lines.push(`| ${step.step} | ${step.pg.toFixed(1)} | ${step.redis.toFixed(1)} |`);
    for (const step of steps) {
      lines.push('', `${step.step}:`, '');
      for (const [text, n] of [...step.statements].sort((a, b) => b[1] - a[1])) {
        lines.push(`- ${n.toFixed(2)} × \`${text}\``);
      }
    }
    return lines.join('\n');
  } finally {
    await env?.close();
    recorder.restore();
  }
}
