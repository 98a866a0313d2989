import { eq, getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client.js';
import { type Fragment, parametrised, rowMapper, runCompiled as run } from '../db/compiled.js';
import { messages } from '../db/schema.js';
import { type Actor, eventData } from '../history/record.js';
import { activeAmong, type KnownSuppressions, knownSuppressions } from '../suppressions/store.js';
import { COUNTED_COLUMNS, counterShape, messageCounters, OUTBOX } from '../stats/aggregates.js';
import { type Move, MOVES, type MoveName } from './lifecycle.js';

/**
 * Executes the moves of ./lifecycle.ts. Each is one SQL statement: the guarded update of the
 * message, its history event (also the outbox of follow-ups) and the counters it feeds, so a
 * move commits or rolls back whole, costs one round trip, and settles races by its guard:
 * of a cancel and a claim arriving together, only one finds the status it starts from.
 *
 * Every message goes through several of these statements, so each is compiled once per shape
 * (../db/compiled.ts): the move, the columns it sets, its extra guard, what its counters depend on.
 */

export type MessageRow = typeof messages.$inferSelect;
export type NewMessage = typeof messages.$inferInsert;

const TABLE = getTableColumns(messages) as Record<string, PgColumn>;
const COLUMNS = Object.keys(TABLE);
const ALL = Object.values(TABLE).map((column) => column.name);
/** Row columns read by a raw statement, typed as drizzle would have returned them. */
const mapped = rowMapper(messages);

const isSql = (value: unknown): value is SQL => typeof (value as SQL | null)?.getSQL === 'function';

/** A column's value for the driver, or a computed fragment. */
function columnValue(key: string, value: unknown, tag: string): Fragment {
  const column = TABLE[key];
  if (!column) throw new Error(`messages has no column ${key}`);
  if (isSql(value)) return parametrised(value, tag);
  return {
    key: '$',
    sql: sql`${sql.placeholder(tag)}`,
    values: { [tag]: value === null ? null : column.mapToDriverValue(value) },
  };
}

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

/**
 * The event, outbox and counter CTEs that follow the change `m`, and the event's values.
 * `returned`: what the statement gives back from `m`.
 */
function recorded(move: Move, options: Pick<MoveOptions, 'actor' | 'data'>) {
  const event = { type: move.event, actor: options.actor?.name ?? null, data: eventData(options) };
  return {
    shape: `${move.event}|${counterShape(event)}`,
    values: { actor: event.actor, data: JSON.stringify(event.data) },
    build: (changed: SQL, returned: SQL) => {
      const ctes = [
        sql`m as (${changed})`,
        sql`ev as (insert into history_events (project_ref, type, actor, data, at)
          select m.project_ref, ${event.type}, ${sql.placeholder('actor')},
            jsonb_build_object('messageId', m.id, 'template', m.template_key, 'channel', m.channel, 'status', m.status)
              || ${sql.placeholder('data')}::jsonb,
            ${sql.placeholder('now')}::timestamptz
          from m returning id, at)`,
        OUTBOX,
        ...messageCounters(event, sql`m`),
      ];
      return sql`with ${sql.join(ctes, sql`, `)} select ${returned} from m`;
    },
  };
}

const names = (columns: readonly string[]) => sql.raw(columns.map((name) => `"${name}"`).join(', '));
/** What the event and the counters read of the moved message, when its caller needs none of it. */
const RECORD_COLUMNS = [...new Set<string>(['status', ...COUNTED_COLUMNS])];

type MovingName = Exclude<MoveName, 'createDraft' | 'createScheduled'>;

/** What a move gives back: the whole row, its id only, or the row and its recipients' suppressions. */
type Returned = 'row' | 'narrow' | 'screened';

// The active suppressions among the moved message's To and Cc, read in the move's statement.
const recipientAddresses = sql`jsonb_array_elements(m."to" || m.cc) r`;
const suppressionsOfMoved = activeAmong(
  {
    email: sql`select lower(r ->> 'address') from ${recipientAddresses}`,
    sms: sql`select r ->> 'address' from ${recipientAddresses}`,
  },
  sql`${sql.placeholder('now')}::timestamptz`,
);

async function execute(
  db: DbOrTx,
  name: MovingName,
  id: string,
  options: MoveOptions,
  returned: Returned,
): Promise<Record<string, unknown> | undefined> {
  const whole = returned !== 'narrow';
  const definition: Move = MOVES[name];
  const fixed = new Set(['status', 'revision', 'updatedAt', ...(definition.stamps ? [definition.stamps] : [])]);
  const set = Object.entries(options.set ?? {})
    .filter(([key, value]) => value !== undefined && !fixed.has(key))
    .map(([key, value], i) => ({ column: TABLE[key]!.name, part: columnValue(key, value, `s${i}_`) }));
  const guard = options.where ? parametrised(options.where, 'w') : undefined;
  const event = recorded(definition, options);
  const key = [
    'move',
    name,
    returned,
    ...set.map(({ column, part }) => `${column}=${part.key}`),
    guard?.key ?? '',
    event.shape,
  ].join('|');
  const values: Record<string, unknown> = { id, now: options.now.toISOString(), ...event.values, ...guard?.values };
  for (const { part } of set) Object.assign(values, part.values);
  const build = () => {
    const assignments: SQL[] = set.map(({ column, part }) => sql`${sql.identifier(column)} = ${part.sql}`);
    if (definition.to !== 'same') assignments.push(sql`status = ${definition.to}`);
    if (definition.stamps) {
      assignments.push(sql`${sql.identifier(TABLE[definition.stamps]!.name)} = ${sql.placeholder('now')}::timestamptz`);
    }
    assignments.push(sql`revision = revision + 1`, sql`updated_at = ${sql.placeholder('now')}::timestamptz`);
    const from = sql.join(
      (definition.from ?? []).map((status) => sql`${status}`),
      sql`, `,
    );
    const changed = sql`update messages set ${sql.join(assignments, sql`, `)}
      where id = ${sql.placeholder('id')} and status in (${from})${guard ? sql` and (${guard.sql})` : sql``}
      returning ${names(whole ? ALL : RECORD_COLUMNS)}`;
    const selected = { row: sql`*`, narrow: sql`m.id`, screened: sql`m.*, ${suppressionsOfMoved} as suppression_rows` };
    return event.build(changed, selected[returned]);
  };
  const [row] = await run(db, key, build, values);
  return row;
}

/** Moves a message if it is in one of the statuses the move starts from; undefined otherwise. */
export async function move(
  db: DbOrTx,
  name: MovingName,
  id: string,
  options: MoveOptions,
): Promise<MessageRow | undefined> {
  const row = await execute(db, name, id, options, 'row');
  return row ? (mapped(row) as MessageRow) : undefined;
}

/**
 * The same move, also reading the active suppressions of the message's recipients in its
 * statement: the claim before sending looks at them once more without another round trip.
 */
export async function moveScreened(
  db: DbOrTx,
  name: MovingName,
  id: string,
  options: MoveOptions,
): Promise<{ row: MessageRow; suppressions: KnownSuppressions } | undefined> {
  const raw = await execute(db, name, id, options, 'screened');
  if (!raw) return undefined;
  const row = mapped(raw) as MessageRow;
  const addresses = [...row.to, ...row.cc].map((r) => ({ channel: row.channel, address: r.address }));
  return { row, suppressions: knownSuppressions(raw.suppression_rows as Record<string, unknown>[], addresses) };
}

/**
 * The same move for a caller that needs nothing of the row (recording an outcome): the
 * rendered content does not travel back. Says whether the message moved.
 */
export async function moveOnly(db: DbOrTx, name: MovingName, id: string, options: MoveOptions): Promise<boolean> {
  return (await execute(db, name, id, options, 'narrow')) !== undefined;
}

/**
 * Stores a new message as a draft or scheduled, with its event, in one statement. Only the
 * columns it did not give (defaults) come back: the content it just sent is not read again.
 */
export async function insert(
  db: DbOrTx,
  values: Omit<NewMessage, 'status' | 'createdAt' | 'updatedAt'>,
  options: Omit<MoveOptions, 'set' | 'where'> & { draft: boolean },
): Promise<MessageRow> {
  const definition: Move = options.draft ? MOVES.createDraft : MOVES.createScheduled;
  const given: Record<string, unknown> = {
    ...values,
    status: options.draft ? 'draft' : 'scheduled',
    createdAt: options.now,
    updatedAt: options.now,
  };
  const keys = Object.keys(given).filter((key) => given[key] !== undefined);
  const parts = keys.map((key, i) => ({ column: TABLE[key]!.name, part: columnValue(key, given[key], `v${i}_`) }));
  const givenColumns = new Set(parts.map(({ column }) => column));
  const defaults = ALL.filter((column) => !givenColumns.has(column));
  const event = recorded(definition, options);
  const key = ['insert', ...parts.map(({ column, part }) => `${column}=${part.key}`), event.shape].join('|');
  const params: Record<string, unknown> = { now: options.now.toISOString(), ...event.values };
  for (const { part } of parts) Object.assign(params, part.values);
  const build = () => {
    const changed = sql`insert into messages (${names(parts.map(({ column }) => column))})
      values (${sql.join(
        parts.map(({ part }) => part.sql),
        sql`, `,
      )})
      returning ${names([...new Set([...RECORD_COLUMNS, ...defaults])])}`;
    return event.build(changed, defaults.length > 0 ? names(defaults) : sql`m.id`);
  };
  const [returned] = await run(db, key, build, params);
  if (!returned) throw new Error('message not stored');
  const row: Record<string, unknown> = {};
  for (const name of COLUMNS) row[name] = given[name] ?? null;
  return mapped(returned, row) as MessageRow;
}

export async function findMessage(db: DbOrTx, id: string): Promise<MessageRow | undefined> {
  const [row] = await db.select().from(messages).where(eq(messages.id, id));
  return row;
}
