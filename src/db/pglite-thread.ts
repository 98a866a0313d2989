import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type Transferable } from 'node:worker_threads';
import type { ParserOptions, QueryOptions, Results } from '@electric-sql/pglite';
import { errorFromWire, type Reply, type Request, type WireQueryOptions, type WorkerData } from './pglite-protocol.js';

/** What drizzle-orm/pglite and the service call on a PGlite client, and nothing more. */
export interface EmbeddedQueries {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(sql: string): Promise<Results[]>;
}
export interface EmbeddedTransaction extends EmbeddedQueries {
  rollback(): Promise<void>;
  readonly closed: boolean;
}
export interface EmbeddedClient extends EmbeddedQueries {
  /** As PGlite's: BEGIN, then COMMIT when `work` resolves, ROLLBACK when it throws. */
  transaction<T>(work: (tx: EmbeddedTransaction) => Promise<T>): Promise<T>;
  readonly closed: boolean;
  /** Waits for the statements already sent, closes the database, then ends its thread. */
  close(): Promise<void>;
}

/** A request before the client numbers it. */
type Outgoing = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

/**
 * How long a statement may hold the event loop waiting for its answer (see `waitBriefly`).
 * Most take well under a millisecond; a longer one is then awaited like any other.
 */
const BRIEF_WAIT_MS = 5;

/**
 * Opens PGlite in `pgDir` on a worker thread of its own (pglite-worker.ts): a statement,
 * however long, then runs beside the event loop instead of inside it, so the API keeps
 * answering (and the overload guard keeps measuring the API, not the database).
 */
export async function startEmbeddedDatabase(pgDir: string): Promise<EmbeddedClient> {
  const { port1: replies, port2 } = new MessageChannel();
  // Counts the worker's answers, so that the main thread can sleep until the next one.
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const worker = spawnWorker({ pgDir, replies: port2, signal }, [port2]);
  worker.unref();
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let stopped: Error | undefined;
  let closing: Promise<void> | undefined;

  // Referenced only while an answer is awaited: an idle database keeps no process alive, as in-thread PGlite did.
  const settle = (id: number) => {
    const waiting = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) replies.unref();
    return waiting;
  };
  const onReply = (reply: Reply) => {
    const waiting = settle(reply.id);
    if (reply.ok) waiting?.resolve(reply.value);
    else waiting?.reject(errorFromWire(reply.error));
  };
  replies.on('message', onReply);
  replies.unref();
  const stop = (cause: unknown) => {
    stopped ??= new Error('The embedded database stopped', { cause });
    for (const id of [...pending.keys()]) settle(id)?.reject(stopped);
  };
  worker.on('error', stop);
  worker.on('exit', (code) => stop(new Error(`its thread exited with code ${code}`)));

  /**
   * A short statement is answered faster than the event loop comes round: awaiting its answer
   * as an event would add a turn of a busy loop to each statement (and, in a transaction,
   * hold every other statement back meanwhile). So the main thread sleeps until the answer
   * comes, for BRIEF_WAIT_MS at most, then takes it synchronously, as if PGlite ran here; a
   * slower statement is left to finish beside the event loop.
   */
  const waitBriefly = (id: number) => {
    const until = performance.now() + BRIEF_WAIT_MS;
    while (pending.has(id)) {
      const seen = Atomics.load(signal, 0);
      const received = receiveMessageOnPort(replies);
      if (received) {
        onReply(received.message as Reply);
        continue;
      }
      const left = until - performance.now();
      if (left <= 0) return;
      Atomics.wait(signal, 0, seen, left);
    }
  };

  let openTransactions = 0;
  const call = (request: Outgoing, inTransaction = false): Promise<unknown> => {
    const id = nextId++;
    // Worth waiting for only when the worker runs it at once: nothing else is queued before it,
    // and no transaction holds other statements back, unless it belongs to that transaction.
    const brief = inTransaction || (pending.size === 0 && openTransactions === 0);
    const answer = new Promise((resolve, reject) => {
      if (stopped) return reject(stopped);
      if (closing && request.op !== 'close') return reject(new Error('The embedded database is closed'));
      pending.set(id, { resolve, reject });
      replies.ref();
      try {
        worker.postMessage({ ...request, id });
      } catch (error) {
        // A parameter that cannot be cloned (a function): refused like a value PGlite cannot serialise.
        settle(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    if (brief && request.op !== 'close') waitBriefly(id);
    return answer;
  };

  // Id 0: the worker's first message says whether the database opened.
  const opened = new Promise((resolve, reject) => {
    pending.set(0, { resolve, reject });
    replies.ref();
  });
  try {
    await opened;
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  const query = async <T>(tx: number | undefined, sql: string, params: unknown[] = [], options?: QueryOptions) => {
    const request = { op: 'query', tx, sql, params, options: wireOptions(options) } as const;
    const result = (await call(request, tx !== undefined)) as Results<T>;
    if (options?.parsers) applyParsers(result, options.parsers, options.rowMode);
    return result;
  };
  const exec = async (tx: number | undefined, sql: string) =>
    (await call({ op: 'exec', tx, sql }, tx !== undefined)) as Results[];

  let nextTx = 1;
  const transaction = async <T>(work: (tx: EmbeddedTransaction) => Promise<T>): Promise<T> => {
    const id = nextTx++;
    await call({ op: 'begin', tx: id });
    openTransactions++;
    let closed = false;
    const open = () => {
      if (closed) throw new Error('Transaction is closed');
    };
    const end = async (commit: boolean) => {
      closed = true;
      openTransactions--;
      await call({ op: 'end', tx: id, commit }, true);
    };
    const tx: EmbeddedTransaction = {
      query: async (sql, params, options) => (open(), query(id, sql, params, options)),
      exec: async (sql) => (open(), exec(id, sql)),
      rollback: async () => (open(), end(false)),
      get closed() {
        return closed;
      },
    };
    try {
      const result = await work(tx);
      if (!closed) await end(true);
      return result;
    } catch (error) {
      if (!closed) await end(false);
      throw error;
    }
  };

  return {
    query: (sql, params, options) => query(undefined, sql, params, options),
    exec: (sql) => exec(undefined, sql),
    transaction,
    get closed() {
      return closing !== undefined || stopped !== undefined;
    },
    close: () =>
      (closing ??= (async () => {
        if (!stopped) await call({ op: 'close' });
        await worker.terminate();
      })()),
  };
}

function spawnWorker(workerData: WorkerData, transferList: Transferable[]): Worker {
  const self = fileURLToPath(import.meta.url);
  const entry = new URL(self.endsWith('.ts') ? './pglite-worker.ts' : './pglite-worker.js', import.meta.url);
  if (!self.endsWith('.ts')) return new Worker(entry, { workerData, transferList });
  // From the TypeScript sources (tests, `npm run dev`): the thread compiles them as the main one does.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData, transferList });
}

function wireOptions(options: QueryOptions | undefined): WireQueryOptions {
  if (options?.serializers || options?.blob || options?.onNotice) {
    throw new Error('The embedded database takes no serializers, blob or onNotice across threads');
  }
  return {
    rowMode: options?.rowMode,
    paramTypes: options?.paramTypes,
    rawTypes: Object.keys(options?.parsers ?? {}).map(Number),
  };
}

/** The caller's own parsers, on the values the worker left as text for them. */
function applyParsers(result: Results<unknown>, parsers: ParserOptions, rowMode: QueryOptions['rowMode']): void {
  const rows = result.rows as Record<string | number, unknown>[];
  result.fields.forEach((field, index) => {
    // Typed with one argument, called by PGlite with two.
    const parse = parsers[field.dataTypeID] as ((value: string, typeId: number) => unknown) | undefined;
    if (!parse) return;
    const key = rowMode === 'array' ? index : field.name;
    for (const row of rows) {
      const value = row[key];
      if (typeof value === 'string') row[key] = parse(value, field.dataTypeID);
    }
  });
}
