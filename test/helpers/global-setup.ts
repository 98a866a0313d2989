import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { TestProject } from 'vitest/node';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadFixtures } from './fixtures.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    logDir: string;
  }
}

// One folder per run, so that concurrent runs never read or delete each other's logs.
let logDir = '';

/** Fails the run early, in one line, when the services the suite needs are not there. */
export async function setup(project: TestProject): Promise<void> {
  logDir = mkdtempSync(join(tmpdir(), 'jalon-test-logs-'));
  project.provide('logDir', logDir);
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `The tests need PostgreSQL at ${TEST_DATABASE_URL} (set TEST_DATABASE_URL): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    await client.end().catch(() => {});
  }
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`The tests need Redis at ${TEST_REDIS_URL} (set TEST_REDIS_URL): ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    redis.disconnect();
  }
}

/** Every log line written by the whole run must be free of the sample orders' personal data. */
export async function teardown(): Promise<void> {
  const secrets = new Set<string>();
  for (const fixture of loadFixtures()) {
    secrets.add(fixture.rac.email);
    if (fixture.rac.phone) secrets.add(fixture.rac.phone);
    for (const contact of fixture.contacts) {
      if (contact.email) secrets.add(contact.email);
      if (contact.mobile) secrets.add(contact.mobile);
    }
  }
  const logFiles = readdirSync(logDir);
  if (logFiles.length === 0) {
    // A run of unit tests only starts no application, so there is nothing to check.
    rmSync(logDir, { recursive: true, force: true });
    return;
  }
  for (const file of logFiles) {
    const content = readFileSync(join(logDir, file), 'utf8');
    for (const secret of secrets) {
      if (content.includes(secret)) throw new Error(`Personal data "${secret}" found in test log ${file}`);
    }
  }
  rmSync(logDir, { recursive: true, force: true });
}
