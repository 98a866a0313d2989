import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import type { KeyInput } from '../../src/keys/service.js';
import { createLogger } from '../../src/logger.js';
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
  close(): Promise<void>;
}

let counter = 0;

/** The real application on a real database of the chosen kind, with logs kept for inspection. */
export async function createTestApp(backend: Backend, env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase(backend);
  const config = loadConfig({
    ...TEST_SERVICE_ENV,
    REDIS_URL: TEST_REDIS_URL,
    LOG_LEVEL: 'info',
    // Queues of their own, so that test files never process each other's jobs.
    QUEUE_PREFIX: `{jt${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}}`,
    OUTBOX_DIR: mkdtempSync(join(tmpdir(), 'jalon-outbox-')),
    ...database.env,
    ...env,
  });
  const logFile = join(inject('logDir'), `${process.pid}-${Date.now()}-${counter++}.log`);
  const stream = createWriteStream(logFile);
  const deps = await createDeps(config, { logger: createLogger(config.LOG_LEVEL, stream) });
  const app = await buildApp(deps);
  await app.ready();
  const created = await deps.keys.create({ name: 'test admin', role: 'admin', agency: '*' });
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
    close: async () => {
      await app.close();
      await deps.close();
      await new Promise((resolve) => stream.end(resolve));
      await database.drop();
    },
  };
}
