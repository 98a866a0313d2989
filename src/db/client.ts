import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { acquireDataDirLock } from './lock.js';
import { type EmbeddedClient, startEmbeddedDatabase } from './pglite-thread.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** The one database type the rest of the code sees, whichever engine is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Either the database or an open transaction: repositories accept both. */
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Applies pending migrations; processes starting together take turns. */
  migrate(): Promise<void>;
  /**
   * Runs `work` while holding the lock called `name`, which every process on this database
   * shares (a PostgreSQL advisory lock; the embedded database admits one process anyway).
   */
  exclusive<T>(name: string, work: () => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  poolSize?: number;
  /** Told of a connection the server closed (terminated, restarted); the pool replaces it. */
  onConnectionError?: (error: Error & { code?: string }) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10, options.onConnectionError ?? (() => {}))
    : openPglite(options.dataDir);
}

async function openPostgres(url: string, max: number, onError: (error: Error) => void): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
  // A connection the server closes (pg_terminate_backend, a restart) emits 'error' on its
  // client, idle or checked out; without a listener that event would end the process. The
  // query in flight fails and is retried by its caller; the pool drops the dead client and
  // the next query opens a new one.
  pool.on('connect', (client) => client.on('error', onError));
  // The pool re-emits an idle client's error, already reported by the listener above.
  pool.on('error', () => {});
  releaseWhenBeginFails(pool);
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  // On a connection of its own, outside the pool, so that `work` can use every pooled one;
  // closing that connection releases the lock, even when the process dies holding it.
  // An abort gives up the wait for the lock (a standby process stopping) by closing its connection.
  const exclusive = async <T>(
    name: string,
    work: () => Promise<T>,
    options: { signal?: AbortSignal } = {},
  ): Promise<T> => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    client.on('error', onError);
    await client.connect();
    const abort = () => void client.end().catch(() => {});
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      await client.query('select pg_advisory_lock(hashtext($1))', [`jalon:${name}`]);
      return await work();
    } finally {
      options.signal?.removeEventListener('abort', abort);
      await client.end().catch(() => {});
    }
  };
  return {
    db,
    kind: 'postgres',
    migrate: () =>
      exclusive('migrations', () => migratePg(drizzlePg(pool, { schema }), { migrationsFolder: MIGRATIONS })),
    exclusive,
    // Straight to the driver, so that a failure reads as the server's own message.
    ping: async () => {
      await pool.query('select 1');
    },
    close: () => pool.end(),
  };
}

/**
 * drizzle-orm (0.45) sends a transaction's BEGIN before the try/finally that gives its client
 * back, so a BEGIN on a connection the server has just closed keeps that client checked out
 * for ever; after `max` of them every query waits for a connection that never comes. A client
 * checked out for a transaction (the only use of the promise form of `connect`) therefore
 * gives itself back when its first statement, the BEGIN, fails.
 */
function releaseWhenBeginFails(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool);
  const isBegin = (query: unknown) =>
    /^\s*begin\b/i.test(typeof query === 'string' ? query : String((query as { text?: unknown } | null)?.text));
  pool.connect = ((callback?: Parameters<pg.Pool['connect']>[0]) => {
    if (callback) return connect(callback);
    return connect().then((client) => {
      // Put back on the client itself at the first call, and only ever called with `this` = client.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      const query = client.query;
      client.query = ((...args: Parameters<typeof query>) => {
        client.query = query;
        const result = (query as (...a: unknown[]) => unknown).apply(client, args);
        if (isBegin(args[0]) && result instanceof Promise) {
          result.catch((error: Error) => client.release(error));
        }
        return result;
      }) as typeof query;
      return client;
    });
  }) as pg.Pool['connect'];
}

async function openPglite(dataDir: string): Promise<Database> {
  const release = acquireDataDirLock(dataDir);
  let client: EmbeddedClient;
  try {
    // On a thread of its own: see pglite-thread.ts.
    client = await startEmbeddedDatabase(join(dataDir, 'pg'));
  } catch (error) {
    release();
    throw error;
  }
  // The thread's client answers every call drizzle makes on a PGlite (query, transaction).
  const pglite = client as unknown as PGlite;
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    migrate: async () => {
      await migratePglite(drizzlePglite(pglite, { schema }), { migrationsFolder: MIGRATIONS });
    },
    exclusive: (_name, work) => work(),
    ping: async () => {
      if (client.closed) throw new Error('the embedded database is closed');
      await client.query('select 1');
    },
    close: async () => {
      await client.close();
      release();
    },
  };
}
