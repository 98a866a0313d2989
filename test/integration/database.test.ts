import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_DATABASE_URL } from '../helpers/env.js';
import { waitFor } from '../helpers/process.js';

// The connection pool against a PostgreSQL server that closes connections under it.
describe('the PostgreSQL pool', () => {
  let testDb: TestDatabase;
  let database: Database;
  let admin: pg.Client;
  const lost: string[] = [];
  const name = () => new URL(testDb.env.DATABASE_URL ?? '').pathname.slice(1);

  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    // One connection: any client that is not given back blocks the next query.
    database = await openDatabase({
      databaseUrl: testDb.env.DATABASE_URL,
      dataDir: '/nonexistent',
      poolSize: 1,
      onConnectionError: (error) => lost.push(error.code ?? error.message),
    });
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await database?.close();
    await admin?.end();
    await testDb?.drop();
  });

  const terminate = () =>
    admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [name()],
    );

  it('survives a connection terminated while a transaction holds it, and reconnects', async () => {
    const inTransaction = database.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      // The client is checked out and idle in its transaction when the server closes it.
      await terminate();
      await waitFor(async () => (lost.length > 0 ? true : undefined), 5_000);
      await tx.execute(sql`select 2`);
    });
    await expect(inTransaction).rejects.toThrow();
    expect(lost).toContain('57P01');
    await database.ping();
  });

  it('survives an idle connection terminated, and reconnects', async () => {
    await database.ping();
    lost.length = 0;
    await terminate();
    await waitFor(async () => (lost.length > 0 ? true : undefined), 5_000);
    await database.ping();
  });

  it('gets its connection back from a transaction whose BEGIN fails', async () => {
    // An isolation level PostgreSQL does not know makes BEGIN itself fail.
    const config = { isolationLevel: 'nonsense' } as unknown as Parameters<Database['db']['transaction']>[1];
    for (let i = 0; i < 3; i++) {
      await expect(database.db.transaction(async () => {}, config)).rejects.toThrow();
    }
    const started = Date.now();
    await database.ping();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails a query while the database refuses connections, and works again once it accepts them', async () => {
    await admin.query(`alter database ${name()} allow_connections false`);
    try {
      await terminate();
      await expect(database.ping()).rejects.toThrow(/not currently accepting connections|terminat/);
    } finally {
      await admin.query(`alter database ${name()} allow_connections true`);
    }
    await database.ping();
  });
});
