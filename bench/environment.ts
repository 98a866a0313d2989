import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { type Config, loadConfig } from '../src/config.js';
import { createDeps, type Deps } from '../src/deps.js';
import { createLogger } from '../src/logger.js';
import { createDispatcher } from '../workers/followups.js';
import { startCountingSink, type CountingSink } from './support.js';

/**
 * A service of its own for a benchmark: a fresh PostgreSQL database and queue prefix, the
 * real API (`inject`), an SMTP sink, the sample order stored. `close` removes all of it.
 */

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEMPLATE = 'accuse-reception';
export const FIXTURE = 'CMD-2026-000103';
export const FROM = 'Jalon <jalon@operateur.example>';

export interface BenchEnvironment {
  deps: Deps;
  app: FastifyInstance;
  config: Config;
  /** The bench database's URL, for other processes and for the monitor. */
  databaseUrl: string;
  prefix: string;
  key: string;
  sink: CountingSink;
  /** A connection of the bench's own, outside the service's pool. */
  monitor: pg.Client;
  versions: { postgres: string; redis: string; synchronousCommit: string };
  /** The body of the benchmark's POST /v1/messages. */
  body: { projectRef: string; template: string; blocks: Record<string, string>; data: Record<string, unknown> };
  close(): Promise<void>;
}

export async function benchEnvironment(
  options: {
    env?: Record<string, string>;
    onLog?: (line: string) => void;
    register?: (client: unknown) => void;
    /** The sink records the message id of every mail it accepts. */
    sinkIds?: boolean;
  } = {},
): Promise<BenchEnvironment> {
  const tag = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const dbName = `jalon_bench_${tag}`;
  const prefix = `{jalon_bench_${tag}}`;
  const outbox = mkdtempSync(join(tmpdir(), 'jalon-bench-outbox-'));
  const cleanups: (() => Promise<unknown>)[] = [async () => rmSync(outbox, { recursive: true, force: true })];
  const close = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => {});
  };
  try {
    const sink = await startCountingSink({ ids: options.sinkIds ?? false });
    cleanups.push(() => sink.close());
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    options.register?.(admin);
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    cleanups.push(async () => {
      const dropper = new pg.Client({ connectionString: ADMIN_URL });
      options.register?.(dropper);
      await dropper.connect();
      await dropper.query(`drop database if exists ${dbName} with (force)`);
      await dropper.end();
    });
    const url = new URL(ADMIN_URL);
    url.pathname = `/${dbName}`;
    const config = loadConfig({
      DATABASE_URL: url.toString(),
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      EMAIL_TRANSPORT: 'smtp',
      SMTP_URL: sink.url,
      EMAIL_FROM: FROM,
      LOG_LEVEL: 'warn',
      OUTBOX_DIR: outbox,
      RATE_LIMIT_PER_MINUTE: '1000000',
      ...options.env,
    });
    const logger = createLogger(config.LOG_LEVEL, { write: (line: string) => options.onLog?.(line) });
    const deps = await createDeps(config, { logger });
    cleanups.push(async () => {
      await Promise.all(
        (['email', 'sms'] as const).map((channel) => deps.producer.queue(channel).obliterate({ force: true })),
      );
      await deps.close();
    });
    const app = await buildApp(deps);
    await app.ready();
    cleanups.push(() => app.close());
    const monitor = new pg.Client({ connectionString: url.toString() });
    options.register?.(monitor);
    await monitor.connect();
    cleanups.push(() => monitor.end());
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    options.register?.(redis);
    const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
    redis.disconnect();
    const server = await monitor.query<{ v: string; sc: string }>(
      `select current_setting('server_version') as v, current_setting('synchronous_commit') as sc`,
    );

    const key = (await deps.keys.create({ name: 'bench', role: 'admin', agency: '*' })).key;
    const fixture = JSON.parse(
      readFileSync(new URL(`../test/fixtures/projects/${FIXTURE}.json`, import.meta.url), 'utf8'),
    ) as unknown;
    const put = await app.inject({
      method: 'PUT',
      url: `/v1/projects/${FIXTURE}`,
      headers: { authorization: `Bearer ${key}` },
      payload: fixture as Record<string, unknown>,
    });
    if (put.statusCode !== 201) throw new Error(`PUT /v1/projects answered ${put.statusCode}: ${put.body}`);
    // The order's automations prepare an accusé de réception draft, which would make every
    // POST of the benchmark a 409 (one milestone draft at a time): let them run, then cancel it.
    const dispatcher = createDispatcher({ db: deps.db, logger, now: deps.now, subscribers: deps.subscribers });
    while ((await dispatcher.drain()) > 0);
    const drafts = await deps.messages.internal.find(deps.db, { projectRef: FIXTURE, status: 'draft' });
    for (const draft of drafts) await deps.messages.internal.cancel(deps.db, draft, { name: 'bench' }, 'benchmark');
    const sample = JSON.parse(
      readFileSync(new URL(`../templates/${TEMPLATE}/sample.json`, import.meta.url), 'utf8'),
    ) as { data: Record<string, unknown>; blocks: Record<string, string> };
    return {
      deps,
      app,
      config,
      databaseUrl: url.toString(),
      prefix,
      key,
      sink,
      monitor,
      versions: {
        postgres: server.rows[0]?.v ?? '?',
        synchronousCommit: server.rows[0]?.sc ?? '?',
        redis: redisVersion,
      },
      body: { projectRef: FIXTURE, template: TEMPLATE, blocks: sample.blocks, data: sample.data },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A port nothing listens on now, for a process the bench starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}
