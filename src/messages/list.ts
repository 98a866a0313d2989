import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { listScope } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import { decodeCursor, encodeCursor } from '../lib/cursor.js';
import { PROBLEMS, type MessageStatus } from './lifecycle.js';
import type { MessageList, MessageListQuery, MessageSummary } from './list-schema.js';

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

const SORT_KEYS: Record<string, SQL> = {
  updated: sql`m.updated_at`,
  sendAt: sql`m.send_at`,
  created: sql`m.created_at`,
};

interface Row {
  id: string;
  project_ref: string;
  order_number: string;
  agency: string;
  rac_id: string;
  template_key: string;
  channel: 'email' | 'sms';
  status: MessageStatus;
  revision: number;
  subject: string | null;
  recipient_count: number;
  send_at: string;
  rendered_at: string | null;
  last_error: string | null;
  origin: string;
  intervention_id: string | null;
  created_at: string;
  updated_at: string;
  sort_value: string;
}

const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());

function summaryOf(row: Row): MessageSummary {
  const problem = (PROBLEMS as readonly string[]).includes(row.status)
    ? { status: row.status as (typeof PROBLEMS)[number], reason: row.last_error }
    : null;
  return {
    id: row.id,
    projectRef: row.project_ref,
    orderNumber: row.order_number,
    agency: row.agency,
    rac: { id: row.rac_id },
    template: row.template_key,
    channel: row.channel,
    status: row.status,
    revision: row.revision,
    subject: row.subject,
    recipientCount: row.recipient_count,
    sendAt: new Date(row.send_at).toISOString(),
    renderedAt: iso(row.rendered_at),
    problem,
    origin: row.origin,
    interventionId: row.intervention_id,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

const ts = (column: SQL) => sql`to_json(${column}) #>> '{}'`;

/**
 * The message list: the messages of the orders the caller may see (the order's agency and RAC
 * as they are now, as for one message), without their contents. A RAC's work queue is
 * `status=draft&rac=me` and `problem=true`; partial indexes hold the drafts and the problems.
 */
export function createMessageList({ db }: { db: Db }) {
  return async function list(query: MessageListQuery, caller: Caller): Promise<MessageList> {
    const scope = listScope(caller, query);
    const descending = query.sort.startsWith('-');
    const key = SORT_KEYS[query.sort.replace(/^-/, '')] ?? SORT_KEYS.updated!;
    const where: SQL[] = [];
    if (scope.agency) where.push(sql`p.agency = ${scope.agency}`);
    if (scope.racId) where.push(sql`p.rac_id = ${scope.racId}`);
    if (query.projectRef) where.push(sql`m.project_ref = ${query.projectRef}`);
    let wanted: readonly MessageStatus[] | undefined = query.status;
    if (query.problem === true)
      wanted = (wanted ?? PROBLEMS).filter((s) => (PROBLEMS as readonly string[]).includes(s));
    if (query.problem === false) wanted = wanted?.filter((s) => !(PROBLEMS as readonly string[]).includes(s));
    if (wanted) {
      // Written as the partial indexes' own conditions, so that the planner can use them.
      if (wanted.length === 0) where.push(sql`false`);
      else if (wanted.length === 1) where.push(sql`m.status = ${wanted[0]}`);
      else if (wanted.length === PROBLEMS.length && PROBLEMS.every((s) => wanted.includes(s)))
        where.push(sql.raw(`m.status in (${PROBLEMS.map((s) => `'${s}'`).join(', ')})`));
      else
        where.push(
          sql`m.status in (${sql.join(
            wanted.map((s) => sql`${s}`),
            sql`, `,
          )})`,
        );
    }
    if (query.problem === false && !query.status)
      where.push(sql.raw(`m.status not in (${PROBLEMS.map((s) => `'${s}'`).join(', ')})`));
    if (query.template) where.push(sql`m.template_key = ${query.template}`);
    if (query.channel) where.push(sql`m.channel = ${query.channel}`);
    if (query.dueAfter) where.push(sql`m.send_at >= ${query.dueAfter.toISOString()}::timestamptz`);
    if (query.dueBefore) where.push(sql`m.send_at < ${query.dueBefore.toISOString()}::timestamptz`);
    if (query.cursor) {
      const after = decodeCursor(query.cursor, query.sort);
      const bound = sql`(${after.value}::timestamptz, ${after.id})`;
      where.push(descending ? sql`(${key}, m.id) < ${bound}` : sql`(${key}, m.id) > ${bound}`);
    }
    const direction = sql.raw(descending ? 'desc' : 'asc');
    const rows = rowsOf<Row>(
      await db.execute(sql`
        select m.id, m.project_ref, p.order_number, p.agency, p.rac_id, m.template_key, m.channel, m.status,
          m.revision, m.subject, jsonb_array_length(m."to") + jsonb_array_length(m.cc) as recipient_count,
          ${ts(sql`m.send_at`)} as send_at, ${ts(sql`m.rendered_at`)} as rendered_at, m.last_error, m.origin,
          m.intervention_id, ${ts(sql`m.created_at`)} as created_at, ${ts(sql`m.updated_at`)} as updated_at,
          ${ts(key)} as sort_value
        from messages m join projects p on p.ref = m.project_ref
        ${where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``}
        order by ${key} ${direction}, m.id ${direction}
        limit ${query.limit + 1}`),
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(summaryOf),
      nextCursor: rows.length > query.limit && last ? encodeCursor(query.sort, last.sort_value, last.id) : null,
    };
  };
}
export type MessageListing = ReturnType<typeof createMessageList>;
