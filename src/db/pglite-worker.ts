import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { errorToWire, type Reply, type Request, type WireQueryOptions, type WorkerData } from './pglite-protocol.js';

/**
 * The thread that owns the embedded database. PGlite runs PostgreSQL in WebAssembly on the
 * thread that calls it, for the whole length of each statement; here, that time is not taken
 * from the service's event loop. Statements run as they arrive: PGlite's single connection
 * serialises them, and while a transaction is open it holds the others back (its own
 * transaction lock), so a transaction sees none of their effects until it ends.
 */

const port = parentPort!;
const { pgDir, replies, signal } = workerData as WorkerData;
const reply = (message: Reply) => {
  replies.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
};
const raw = (value: string) => value;

interface Open {
  tx: Transaction;
  end: (commit: boolean) => void;
  done: Promise<void>;
}
const transactions = new Map<number, Open>();
const running = new Set<Promise<unknown>>();

let pg: PGlite;
try {
  // pg_trgm: the trigram index of the order search (migration 0015).
  pg = await PGlite.create(pgDir, { extensions: { pg_trgm } });
  reply({ id: 0, ok: true });
} catch (error) {
  reply({ id: 0, ok: false, error: errorToWire(error) });
  port.close();
  replies.close();
}

const queryOptions = (options: WireQueryOptions) => ({
  rowMode: options.rowMode,
  paramTypes: options.paramTypes,
  parsers: Object.fromEntries(options.rawTypes.map((type) => [type, raw])),
});

/** The transaction `id` if given (it must be open), else the database itself. */
function target(id: number | undefined): PGlite | Transaction {
  if (id === undefined) return pg;
  const open = transactions.get(id);
  if (!open) throw new Error('Transaction is closed');
  return open.tx;
}

function begin(id: number): Promise<void> {
  return new Promise<void>((begun, failed) => {
    const done = pg
      .transaction(async (tx) => {
        const outcome = new Promise<boolean>((end) => transactions.set(id, { tx, end, done }));
        begun();
        // A rollback here makes PGlite skip its COMMIT; an error would be the caller's to see.
        if (!(await outcome)) await tx.rollback();
      })
      .finally(() => transactions.delete(id));
    // Before BEGIN succeeds, its failure is the answer to 'begin'; after, to 'end'.
    done.catch(failed);
  });
}

async function end(id: number, commit: boolean): Promise<void> {
  const open = transactions.get(id);
  if (!open) throw new Error('Transaction is closed');
  open.end(commit);
  await open.done;
}

async function handle(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'query': {
      const { rows, fields, affectedRows } = await target(request.tx).query(
        request.sql,
        request.params,
        queryOptions(request.options),
      );
      return { rows, fields, affectedRows };
    }
    case 'exec':
      return (await target(request.tx).exec(request.sql)).map(({ rows, fields, affectedRows }) => ({
        rows,
        fields,
        affectedRows,
      }));
    case 'begin':
      return begin(request.tx);
    case 'end':
      return end(request.tx, request.commit);
    case 'close':
      // The main thread sends nothing after 'close'; what it sent before finishes first.
      await Promise.allSettled([...running]);
      await pg.close();
      return undefined;
  }
}

port.on('message', (request: Request) => {
  const work = handle(request);
  if (request.op !== 'close') {
    running.add(work);
    void work.finally(() => running.delete(work)).catch(() => {});
  }
  work.then(
    (value) => reply({ id: request.id, ok: true, value }),
    (error: unknown) => reply({ id: request.id, ok: false, error: errorToWire(error) }),
  );
});
