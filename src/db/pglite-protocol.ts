import type { MessagePort } from 'node:worker_threads';

/**
 * The messages between the service's main thread and the worker thread that owns the
 * embedded database (pglite-worker.ts). Everything crosses by structured clone, which keeps
 * Dates, BigInts, typed arrays and plain objects; functions (parsers) and the fields of an
 * Error other than its message and stack do not cross, hence the wire forms below.
 */

export interface WorkerData {
  /** PGlite's own folder (inside DATA_DIR, whose lock the main thread holds). */
  pgDir: string;
  /** Where the worker answers (a port of its own, which the main thread can also read synchronously). */
  replies: MessagePort;
  /** Incremented and notified after each answer. */
  signal: Int32Array;
}

export interface WireQueryOptions {
  rowMode?: 'array' | 'object' | undefined;
  paramTypes?: number[] | undefined;
  /**
   * Types whose values come back as PostgreSQL's text, unparsed: the caller gave a parser of
   * its own for them, which the main thread applies (a function cannot be sent).
   */
  rawTypes: number[];
}

/** `tx`: the transaction the statement belongs to; without it, the statement waits for any open one. */
export type Request =
  | { id: number; op: 'query'; tx?: number; sql: string; params: unknown[]; options: WireQueryOptions }
  | { id: number; op: 'exec'; tx?: number; sql: string }
  | { id: number; op: 'begin'; tx: number }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** Id 0 answers the worker's start: the database is open, or why it could not be. */
export type Reply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: WireError };

export interface WireError {
  name: string;
  message: string;
  stack?: string | undefined;
  /** The database's fields (code, severity, detail, constraint…), the query and its parameters. */
  fields: Record<string, unknown>;
}

const CLONEABLE = new Set(['string', 'number', 'boolean', 'bigint']);

export function errorToWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    // The parameters came from the main thread, so they clone; the query's options hold parsers.
    if (CLONEABLE.has(typeof value) || (key === 'params' && Array.isArray(value))) fields[key] = value;
  }
  return { name: error.name, message: error.message, stack: error.stack, fields };
}

/** The worker's error as the caller would have had it from PGlite in its own thread. */
export function errorFromWire(wire: WireError): Error {
  const error = new Error(wire.message);
  Object.assign(error, wire.fields);
  Object.defineProperty(error, 'name', { value: wire.name, writable: true, configurable: true });
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
