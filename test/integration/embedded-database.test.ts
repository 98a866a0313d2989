import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

// The embedded database runs on a thread of its own: what crosses between the threads, and
// what the service's event loop does meanwhile.
interface Answer {
  rows: Record<string, unknown>[];
  fields: unknown[];
}

describe('the embedded database', () => {
  let dir: string;
  let database: Database;
  /** Sent at once (a drizzle query waits for `then`). */
  const run = (query: SQL, on = database): Promise<Answer> =>
    on.db.execute(query).then((answer) => answer as unknown as Answer);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jalon-embedded-'));
    database = await openDatabase({ dataDir: dir });
    await database.db.execute(sql`create table t (id int primary key, label text not null)`);
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the event loop free while a long statement runs', async () => {
    let finished = false;
    const long = database.db.execute(sql`select pg_sleep(1)`).then(() => {
      finished = true;
    });
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(performance.now() - started).toBeLessThan(100);
    expect(finished).toBe(false);
    await long;
    expect(performance.now() - started).toBeGreaterThan(900);
  });

  it('answers as PGlite does in its own thread: dates, big integers, bytes, JSON, text', async () => {
    const query = sql`select ${new Date('2026-03-01T08:30:00.123Z')}::timestamptz as at,
      ${'2026-03-01'}::date as day, 9007199254740993::int8 as big, 12.50::numeric as amount,
      ${Buffer.from([0, 1, 254, 255])}::bytea as bytes, ${JSON.stringify({ a: [1, 'é'] })}::jsonb as doc,
      array['a', null, 'c'] as list, ${'l’été « ici »'} as label, null::text as nothing`;
    const own = await PGlite.create();
    try {
      const { drizzle } = await import('drizzle-orm/pglite');
      const expected = (await drizzle(own).execute(query)) as unknown as Answer;
      const actual = await run(query);
      expect(actual.rows).toEqual(expected.rows);
      expect(actual.fields).toEqual(expected.fields);
      expect(actual.rows[0]?.bytes).toBeInstanceOf(Uint8Array);
    } finally {
      await own.close();
    }
  });

  it('keeps the database error: its code, constraint, table, detail', async () => {
    await database.db.execute(sql`insert into t values (1, 'one')`);
    const failure = await database.db.execute(sql`insert into t values (1, 'again')`).catch((error: unknown) => error);
    const cause = (failure as Error).cause as Record<string, unknown> & Error;
    expect(cause).toBeInstanceOf(Error);
    expect(cause).toMatchObject({
      code: '23505',
      severity: 'ERROR',
      constraint: 't_pkey',
      table: 't',
      detail: 'Key (id)=(1) already exists.',
    });
    expect(cause.message).toMatch(/duplicate key value violates unique constraint "t_pkey"/);
    // In a transaction too, where the failure rolls the transaction back.
    const inTransaction = database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (2, 'two')`);
      await tx.execute(sql`insert into t values (1, 'again')`);
    });
    await expect(inTransaction).rejects.toMatchObject({ cause: { code: '23505' } });
    expect((await run(sql`select id from t where id = 2`)).rows).toEqual([]);
  });

  it('holds other statements back until a transaction ends, which then see all of it or none', async () => {
    await database.db.execute(sql`delete from t`);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const halfway = new Promise<void>((resolve) => (inserted = resolve));
    const transaction = database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (10, 'ten')`);
      inserted();
      await released;
      await tx.execute(sql`insert into t values (11, 'eleven')`);
    });
    await halfway;
    let seen: unknown[] | undefined;
    const outside = run(sql`select id from t order by id`).then(({ rows }) => (seen = rows));
    // Sent while the transaction is open, before its second statement: on the one connection,
    // a read let through now would see the first row alone.
    release();
    await transaction;
    await outside;
    expect(seen).toEqual([{ id: 10 }, { id: 11 }]);

    // Rolled back: the waiting read sees none of it.
    let read: Promise<Answer> | undefined;
    const rolledBack = database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (12, 'twelve')`);
      read = run(sql`select count(*)::int as n from t`);
      await tx.execute(sql`insert into t values (13, 'thirteen')`);
      tx.rollback();
    });
    await expect(rolledBack).rejects.toThrow(/Rollback/);
    expect((await read)?.rows).toEqual([{ n: 2 }]);
  });

  it('finishes what was sent before closing, refuses what comes after, and keeps the data', async () => {
    const other = mkdtempSync(join(tmpdir(), 'jalon-embedded-'));
    try {
      const first = await openDatabase({ dataDir: other });
      await first.db.execute(sql`create table kept (n int)`);
      const writes = Array.from({ length: 20 }, (_, n) => run(sql`insert into kept values (${n})`, first));
      const closed = first.close();
      await expect(first.ping()).rejects.toThrow(/closed/);
      await Promise.all(writes);
      await closed;
      const second = await openDatabase({ dataDir: other });
      try {
        expect((await run(sql`select count(*)::int as n from kept`, second)).rows).toEqual([{ n: 20 }]);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('the service on the embedded database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite');
  });
  afterAll(async () => t?.close());

  it('answers /health within 100 ms while the database runs a long statement', async () => {
    // Once first, so that what is measured below is the answer, not the route's first compilation.
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    let finished = false;
    const long = t.deps.database.db.execute(sql`select pg_sleep(1)`).then(() => {
      finished = true;
    });
    const started = performance.now();
    const response = await t.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(performance.now() - started).toBeLessThan(100);
    expect(finished).toBe(false);
    await long;
  });
});
