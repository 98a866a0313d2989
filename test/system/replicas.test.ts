import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { freePort, spawnEntry, type Spawned, waitFor } from '../helpers/process.js';

// Replicas of the API started at the same moment, as an orchestrator does.
let database: TestDatabase | undefined;
const processes: Spawned[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await p.exited;
  }
  await database?.drop();
});

async function startThree(env: Record<string, string>): Promise<void> {
  const ports = [await freePort(), await freePort(), await freePort()];
  for (const port of ports) {
    processes.push(spawnEntry('src/server.ts', { ...env, REDIS_URL: TEST_REDIS_URL, PORT: String(port) }));
  }
  for (const [i, port] of ports.entries()) {
    const p = processes[i]!;
    const state = await waitFor(async () => {
      if (p.child.exitCode !== null) return 'exited';
      return (await fetch(`http://127.0.0.1:${port}/ready`)).status === 200 ? 'ready' : undefined;
    }, 60_000);
    expect(state, p.output()).toBe('ready');
  }
}

async function query<T>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: database?.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('three API processes starting at once', () => {
  it('on a fresh database: all become ready, each migration is applied once, one admin key is made', async () => {
    database = await createTestDatabase('postgres');
    await startThree(database.env);
    const hashes = (await query<{ hash: string }>('select hash from drizzle.__drizzle_migrations')).map((r) => r.hash);
    expect(hashes.length).toBeGreaterThan(0);
    expect(new Set(hashes).size).toBe(hashes.length);
    expect((await query<{ n: number }>('select count(*)::int as n from api_keys'))[0]?.n).toBe(1);
    expect(processes.filter((p) => /jln_[A-Za-z0-9]{8}_/.test(p.output()))).toHaveLength(1);
  }, 120_000);
});
