import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { loadFixture } from '../helpers/fixtures.js';
import { freePort, spawnEntry, waitFor } from '../helpers/process.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'jalon-entry-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const ready = (port: number) => async () => {
  const response = await fetch(`http://127.0.0.1:${port}/ready`);
  return response.status === 200 ? true : undefined;
};

describe('npm start (embedded database)', () => {
  it('starts with only Redis, keeps an order across a restart, and stops cleanly on Ctrl-C', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const env = {
      DATA_DIR: dataDir,
      OUTBOX_DIR: join(dataDir, 'outbox'),
      PORT: String(port),
      REDIS_URL: TEST_REDIS_URL,
    };
    const first = spawnEntry('src/main.ts', env);
    await waitFor(ready(port));
    const key = /jln_[A-Za-z0-9]{8}_[A-Za-z0-9]{40}/.exec(first.output())?.[0];
    expect(key, first.output()).toBeDefined();

    const fixture = loadFixture('CMD-2026-000102');
    const url = `http://127.0.0.1:${port}/v1/projects/${fixture.orderNumber}`;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const put = await fetch(url, { method: 'PUT', headers, body: JSON.stringify(fixture) });
    expect(put.status).toBe(201);

    // A second process on the same data folder is refused instead of corrupting it.
    const intruder = spawnEntry('src/main.ts', { ...env, PORT: String(await freePort()) });
    const refused = await intruder.exited;
    expect(refused.code).toBe(1);
    expect(intruder.output()).toMatch(/already in use by process \d+/);

    const stoppedAt = Date.now();
    first.child.kill('SIGINT');
    const stopped = await first.exited;
    expect(stopped.code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);

    const second = spawnEntry('src/main.ts', env);
    await waitFor(ready(port));
    expect(second.output()).not.toMatch(/jln_/);
    const get = await fetch(url, { headers });
    expect(get.status).toBe(200);
    expect(((await get.json()) as { label: string }).label).toBe(fixture.label);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 120_000);

  it('says in one line that Redis is unreachable, with the URL (not its password) and how to start one', async () => {
    const dataDir = tempDir();
    const run = spawnEntry('src/main.ts', {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      REDIS_URL: 'redis://jalon:s3cr3t-pw@127.0.0.1:1',
    });
    expect((await run.exited).code).toBe(1);
    const lines = run.output().trim().split('\n');
    expect(lines.at(-1)).toMatch(/^jalon: Redis is not reachable at redis:\/\/127\.0\.0\.1:1:.*redis-server/);
    expect(run.output()).not.toMatch(/s3cr3t-pw|jalon:s3/);
  });

  it('stops on a bad configuration value with one line naming the variable', async () => {
    const run = spawnEntry('src/main.ts', { PORT: 'eighty', DATA_DIR: tempDir() });
    expect((await run.exited).code).toBe(1);
    expect(run.output().trim()).toBe('jalon: Invalid configuration: PORT: expected a whole number (got "eighty")');
  });
});

describe('separate API and worker processes', () => {
  it('refuse to run apart on the embedded database', async () => {
    for (const entry of ['src/server.ts', 'workers/main.ts']) {
      const run = spawnEntry(entry, { DATA_DIR: tempDir(), REDIS_URL: TEST_REDIS_URL });
      expect((await run.exited).code).toBe(1);
      expect(run.output()).toMatch(/needs DATABASE_URL: the embedded database admits one process only/);
    }
  });

  it('run side by side on a shared PostgreSQL', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const port = await freePort();
      const metricsPort = await freePort();
      const token = 'system-metrics-token-0123';
      const env = {
        ...database.env,
        REDIS_URL: TEST_REDIS_URL,
        PORT: String(port),
        METRICS_TOKEN: token,
        WORKER_METRICS_PORT: String(metricsPort),
      };
      const api = spawnEntry('src/server.ts', env);
      await waitFor(ready(port));
      const worker = spawnEntry('workers/main.ts', env);
      await waitFor(async () => (worker.output().includes('workers are ready') ? true : undefined));
      // Each process serves its figures behind the token: the API on its port, the worker on its own.
      const authorization = { authorization: `Bearer ${token}` };
      for (const url of [`http://127.0.0.1:${port}/metrics`, `http://127.0.0.1:${metricsPort}/metrics`]) {
        expect((await fetch(url)).status, url).toBe(401);
        const response = await fetch(url, { headers: authorization });
        expect(response.status, url).toBe(200);
        const body = await response.text();
        expect(body).toContain('process_resident_memory_bytes');
        expect(body).toMatch(/^jalon_queue_jobs\{queue="email",state="waiting"\} \d+$/m);
      }
      api.child.kill('SIGTERM');
      worker.child.kill('SIGTERM');
      expect((await api.exited).code).toBe(0);
      expect((await worker.exited).code).toBe(0);
    } finally {
      await database.drop();
    }
  }, 120_000);
});
