import { getTableColumns, type Query, type SQL, sql } from 'drizzle-orm';
import { PgDialect, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import type { DbOrTx } from './client.js';

/**
 * Statements of the hot paths (every message reads its order, is stored and moved several
 * times), built once per shape and kept with named placeholders: a call only fills in its
 * values. Building them with the query builder at every call cost more Node CPU than sending
 * them. The shape key must name everything the text depends on; values never go in it.
 */

const dialect = new PgDialect();
const statements = new Map<string, Query>();

/** Runs the statement of `key` (built by `build` the first time only) on `db` or a transaction. */
export async function runCompiled(
  db: DbOrTx,
  key: string,
  build: () => SQL,
  values: Record<string, unknown>,
): Promise<Record<string, unknown>[]> {
  let query = statements.get(key);
  if (!query) {
    query = dialect.sqlToQuery(build());
    statements.set(key, query);
  }
  const result = await db._.session.prepareQuery(query, undefined, undefined, false).execute(values);
  return (result as { rows: Record<string, unknown>[] }).rows;
}

export interface Fragment {
  /** The fragment's text: the same for every call of the same shape. */
  key: string;
  sql: SQL;
  values: Record<string, unknown>;
}

/** A fragment (a guard, a computed column) with its parameters turned into named placeholders. */
export function parametrised(fragment: SQL, tag: string): Fragment {
  const { sql: text, params } = dialect.sqlToQuery(fragment);
  const values: Record<string, unknown> = {};
  const chunks = text.split(/\$(\d+)/).map((piece, i) => {
    if (i % 2 === 0) return sql.raw(piece);
    const name = `${tag}${piece}`;
    values[name] = params[Number(piece) - 1];
    return sql.placeholder(name);
  });
  return { key: text, sql: sql.join(chunks), values };
}

/** Maps the columns of `table` found in a raw row (by column name) as drizzle would have. */
export function rowMapper(table: PgTable) {
  const columns = Object.entries(getTableColumns(table) as Record<string, PgColumn>);
  return (raw: Record<string, unknown>, into: Record<string, unknown> = {}): Record<string, unknown> => {
    for (const [key, column] of columns) {
      if (!(column.name in raw)) continue;
      const value = raw[column.name];
      into[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    }
    return into;
  };
}
