import { and, eq, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client.js';
import { messages } from '../db/schema.js';
import { type Actor, eventData } from '../history/record.js';
import { messageCounters, OUTBOX } from '../stats/aggregates.js';
import { type Move, MOVES, type MoveName } from './lifecycle.js';

/**
 * Executes the moves of ./lifecycle.ts. Each is one SQL statement: the guarded update of the
 * message, its history event (also the outbox of follow-ups) and the counters it feeds, so a
 * move commits or rolls back whole, costs one round trip, and settles races by its guard:
 * of a cancel and a claim arriving together, only one finds the status it starts from.
 */

export type MessageRow = typeof messages.$inferSelect;
export type NewMessage = typeof messages.$inferInsert;

const COLUMNS = Object.entries(getTableColumns(messages));

/** A row read by a raw statement, typed as drizzle would have returned it. */
function toRow(raw: Record<string, unknown>): MessageRow {
  const row: Record<string, unknown> = {};
  for (const [key, column] of COLUMNS) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as MessageRow;
}

const rowsOf = (result: unknown) => (result as { rows: Record<string, unknown>[] }).rows;

export interface MoveOptions {
  /** The service clock: the move's timestamps and its event's time. */
  now: Date;
  actor?: Actor | undefined;
  /** Columns the move changes besides its status and stamps. */
  set?: PgUpdateSetSource<typeof messages>;
  /** What the history event says beyond the message's id, template, channel and status. */
  data?: Record<string, unknown>;
  /** A further guard (due by now, an expected revision). */
  where?: SQL | undefined;
}

function recorded(changed: SQL, move: Move, options: MoveOptions): SQL {
  const event = { type: move.event, actor: options.actor?.name ?? null, data: eventData(options) };
  const ctes = [
    sql`m as (${changed})`,
    sql`ev as (insert into history_events (project_ref, type, actor, data, at)
      select m.project_ref, ${event.type}, ${event.actor},
        jsonb_build_object('messageId', m.id, 'template', m.template_key, 'channel', m.channel, 'status', m.status)
          || ${JSON.stringify(event.data)}::jsonb,
        ${options.now.toISOString()}::timestamptz
      from m returning id, at)`,
    OUTBOX,
    ...messageCounters(event, sql`m`),
  ];
  return sql`with ${sql.join(ctes, sql`, `)} select * from m`;
}

/** Moves a message if it is in one of the statuses the move starts from; undefined otherwise. */
export async function move(
  db: DbOrTx,
  name: Exclude<MoveName, 'createDraft' | 'createScheduled'>,
  id: string,
  options: MoveOptions,
): Promise<MessageRow | undefined> {
  const definition: Move = MOVES[name];
  const set: PgUpdateSetSource<typeof messages> = {
    ...options.set,
    ...(definition.to === 'same' ? {} : { status: definition.to }),
    ...(definition.stamps ? { [definition.stamps]: options.now } : {}),
    revision: sql`${messages.revision} + 1`,
    updatedAt: options.now,
  };
  const update = db
    .update(messages)
    .set(set)
    .where(and(eq(messages.id, id), inArray(messages.status, [...(definition.from ?? [])]), options.where))
    .returning();
  const [row] = rowsOf(await db.execute(recorded(update.getSQL(), definition, options)));
  return row ? toRow(row) : undefined;
}

/** Stores a new message as a draft or scheduled, with its event, in one statement. */
export async function insert(
  db: DbOrTx,
  values: Omit<NewMessage, 'status' | 'createdAt' | 'updatedAt'>,
  options: Omit<MoveOptions, 'set' | 'where'> & { draft: boolean },
): Promise<MessageRow> {
  const definition: Move = options.draft ? MOVES.createDraft : MOVES.createScheduled;
  const status = options.draft ? 'draft' : 'scheduled';
  const statement = db
    .insert(messages)
    .values({ ...values, status, createdAt: options.now, updatedAt: options.now })
    .returning();
  const [row] = rowsOf(await db.execute(recorded(statement.getSQL(), definition, options)));
  if (!row) throw new Error('message not stored');
  return toRow(row);
}

export async function findMessage(db: DbOrTx, id: string): Promise<MessageRow | undefined> {
  const [row] = await db.select().from(messages).where(eq(messages.id, id));
  return row;
}
