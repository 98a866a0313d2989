import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/agencies/settings.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import type { KeyInput } from '../../src/keys/service.js';
import { createLogger } from '../../src/logger.js';
import { createDispatcher } from '../../workers/followups.js';
import { type Backend, createTestDatabase } from './db.js';
import { TEST_REDIS_URL, TEST_SERVICE_ENV } from './env.js';

export interface TestApp {
  app: FastifyInstance;
  deps: Deps;
  backend: Backend;
  adminKey: string;
  /** Creates a key and returns its secret. */
  key(input: KeyInput): Promise<string>;
  /** `app.inject` with a bearer key. */
  request(
    key: string | undefined,
    options: { method: string; url: string; payload?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Runs the follow-ups of every committed event (what the workers' dispatcher does) until none is left. */
  settle(): Promise<void>;
  /** Everything logged so far (after the writes in flight have reached the file). */
  logs(): Promise<string>;
  close(): Promise<void>;
}

let counter = 0;

/** The real application on a real database of the chosen kind, with logs kept for inspection. */
export async function createTestApp(
  backend: Backend,
  env: Record<string, string> = {},
  options: { now?: () => Date } = {},
): Promise<TestApp> {
  const database = await createTestDatabase(backend);
  const config = loadConfig({
    ...TEST_SERVICE_ENV,
    REDIS_URL: TEST_REDIS_URL,
    LOG_LEVEL: 'info',
    // Queues of their own, so that test files never process each other's jobs.
    QUEUE_PREFIX: `{jt${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}}`,
    OUTBOX_DIR: mkdtempSync(join(tmpdir(), 'jalon-outbox-')),
    // Every injected request comes from 127.0.0.1: suites that try many bad keys on purpose
    // would otherwise be answered 429. The tests of that limit set their own.
    AUTH_FAILURES_PER_MINUTE: '100000',
    ...database.env,
    ...env,
  });
  const logFile = join(inject('logDir'), `${process.pid}-${Date.now()}-${counter++}.log`);
  const stream = createWriteStream(logFile);
  const deps = await createDeps(config, { logger: createLogger(config.LOG_LEVEL, stream), now: options.now });
  const app = await buildApp(deps);
  await app.ready();
  const created = await deps.keys.create({ name: 'test admin', role: 'admin', agency: '*' });
  const dispatcher = createDispatcher({
    db: deps.db,
    logger: deps.logger,
    now: deps.now,
    subscribers: deps.subscribers,
  });
  return {
    app,
    deps,
    backend,
    adminKey: created.key,
    key: async (input) => (await deps.keys.create(input)).key,
    request: (key, options) =>
      app.inject({
        method: options.method as 'GET',
        url: options.url,
        payload: options.payload as string,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...options.headers },
      }),
    settle: async () => {
      // Until the outbox is empty: the workers' own dispatcher, when they run, may hold a batch
      // this one cannot lease, so its events are waited for rather than taken as done. Events
      // whose follow-up failed and waits for its retry are left to the test to look at.
      const deadline = Date.now() + 30_000;
      for (;;) {
        if ((await dispatcher.drain()) > 0) continue;
        const result = await deps.db.execute(sql`select count(*)::int as n from event_outbox where last_error is null`);
        if ((result as unknown as { rows: { n: number }[] }).rows[0]?.n === 0) return;
        if (Date.now() > deadline) throw new Error('follow-ups still pending after 30 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    logs: async () => {
      await new Promise((resolve) => stream.write('', resolve));
      return readFileSync(logFile, 'utf8');
    },
    close: async () => {
      await app.close();
      await deps.close();
      await new Promise((resolve) => stream.end(resolve));
      await database.drop();
    },
  };
}

/**
 * The agency's milestone mails left to the people (automation off): for suites that send the
 * welcome mail by hand and would otherwise meet the prepared draft (a second one is refused).
 */
export async function milestoneMailsByHand(t: Pick<TestApp, 'deps'>, agency: string): Promise<void> {
  await t.deps.settings.put(agency, {
    ...DEFAULT_SETTINGS,
    automation: { ...DEFAULT_SETTINGS.automation, accuseReception: 'off', rleRecap: 'off', cloture: 'off' },
  });
}
