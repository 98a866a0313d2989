import { type SQL, sql } from 'drizzle-orm';
import { COUNTER_OF, COUNTERS, type Counter } from '../messages/lifecycle.js';
import { DEADLINE_RULES } from '../projects/deadlines.js';

export { COUNTER_OF, COUNTERS, type Counter };

/**
 * Pre-aggregation kept in step with the history. Every event goes through recordEvent, inside
 * the writer's transaction; for the events that statistics count, the history insert and the
 * counter upsert are one statement, so they commit or roll back together whether or not the
 * caller opened a transaction. `INSERT … ON CONFLICT DO UPDATE` adds to the counter under the
 * row lock, so concurrent writers never lose an increment.
 */

export const ZONE = 'Europe/Paris';
/** The counter row of a message among the 16 of its day, agency, RAC and template. */
export const SHARD = sql`(hashtext(m.id) & 15)`;
export const ACK_TEMPLATE = 'accuse-reception';
/** The counter columns of usage_daily and usage_rollups, named as the counters, in the lifecycle's order. */
export const COUNTER_LIST = sql.raw(COUNTERS.join(', '));

/** What a sender does to a message; what the worker, Twilio and automations do is not adoption. */
export const SENDER_EVENTS = [
  'message.drafted',
  'message.scheduled',
  'message.edited',
  'message.rescheduled',
  'message.cancelled',
];
export const SYSTEM_ACTORS = ['worker', 'twilio', 'automation'];

/** Events after which an order's deadline row is refreshed from its stored milestones. */
const refreshesProject = (type: string) => type.startsWith('project.') || type.startsWith('milestones.');

export interface EventRow {
  projectRef: string;
  type: string;
  actor: string | null;
  data: Record<string, unknown>;
  /** The service clock: events, statistics days and the reconciler read the same time. */
  at: Date;
}

/** A message created by hand or by an order tool counts; one prepared by an automation counts when someone acts on it. */
const bySender = (e: Pick<EventRow, 'type' | 'actor' | 'data'>) =>
  SENDER_EVENTS.includes(e.type) && e.actor !== null && !SYSTEM_ACTORS.includes(e.actor);

function senderAction(e: Pick<EventRow, 'type' | 'actor' | 'data'>): SQL {
  if (!bySender(e)) return sql`0`;
  const creation = e.type === 'message.drafted' || (e.type === 'message.scheduled' && e.data.from !== 'draft');
  return creation
    ? sql`(case when m.origin = 'api' then 1 else 0 end)`
    : sql`(case when m.origin in ('api', 'automation') then 1 else 0 end)`;
}

/** Whether an event about a message touches the usage counters. */
export const countsForUsage = (e: Pick<EventRow, 'type' | 'actor' | 'data'>): boolean =>
  COUNTER_OF[e.type] !== undefined || bySender(e);

/**
 * What the statement of messageCounters depends on besides the event's type: statements
 * compiled once per shape (../messages/moves.ts) key on it.
 */
export function counterShape(e: Pick<EventRow, 'type' | 'actor' | 'data'>): string {
  return `${bySender(e) ? 'sender' : 'system'}:${e.data.from === 'draft' ? 'from-draft' : 'new'}`;
}

/** The columns of the message that messageCounters reads from `m`. */
export const COUNTED_COLUMNS = [
  'id',
  'project_ref',
  'template_key',
  'channel',
  'agency',
  'rac_id',
  'origin',
  'sms_segments',
  'sent_at',
] as const;

/**
 * The counter upserts of one message event, as CTEs of the statement that records it. `ev` is
 * the CTE of the inserted event (with its `at`), `m` a relation holding the message as it is
 * after the change (the CTE of the update that moved it, or the stored row).
 */
export function messageCounters(e: Pick<EventRow, 'type' | 'actor' | 'data'>, m: SQL): SQL[] {
  const counter = COUNTER_OF[e.type];
  if (!counter && !bySender(e)) return [];
  const one = (name: Counter) => (counter === name ? sql`1` : sql`0`);
  const segments =
    counter === 'sent' ? sql`(case when m.channel = 'sms' then coalesce(m.sms_segments, 0) else 0 end)` : sql`0`;
  const ctes: SQL[] = [];
  if (counter === 'sent') {
    ctes.push(sql`ack as (
          update project_stats s set ack_date = least(coalesce(s.ack_date, x.day), x.day)
          from (select m.project_ref, (coalesce(m.sent_at, ev.at) at time zone ${ZONE})::date as day from ev, ${m}
                where m.template_key = ${ACK_TEMPLATE}) x
          -- Only an earlier day changes the row: later sends take no lock on it.
          where s.project_ref = x.project_ref and (s.ack_date is null or s.ack_date > x.day))`);
  }
  ctes.push(sql`usage as (insert into usage_daily as u (day, agency, rac_id, template, channel, shard, ${COUNTER_LIST},
      sms_segments, sender_actions)
    select (ev.at at time zone ${ZONE})::date, m.agency, m.rac_id, m.template_key, m.channel, ${SHARD},
      ${sql.join(COUNTERS.map(one), sql`, `)}, ${segments}, ${senderAction(e)}
    from ev, ${m} ${counter ? sql`` : sql`where ${senderAction(e)} = 1`}
    on conflict (day, agency, rac_id, template, channel, shard) do update set
      ${sql.raw(COUNTERS.map((c) => `${c} = u.${c} + excluded.${c}`).join(', '))},
      sms_segments = u.sms_segments + excluded.sms_segments, sender_actions = u.sender_actions + excluded.sender_actions)`);
  return ctes;
}

/** The first actual date among a deadline's milestones, as computeDeadlines reads them. */
export function milestoneActual(codes: readonly string[], projectRef: SQL): SQL {
  const each = codes.map(
    (code) => sql`(select actual from milestones where project_ref = ${projectRef} and code = ${code})`,
  );
  return sql`coalesce(${sql.join(each, sql`, `)})`;
}

/** The deadline row of the event's order, refreshed from its stored milestones. */
function projectStats(projectRef: string): SQL {
  return sql`stats as (insert into project_stats as s (project_ref, agency, rac_id, received_at, rlp_actual, rle_actual)
    select p.ref, p.agency, p.rac_id, p.received_at, ${milestoneActual(DEADLINE_RULES.rlp.milestones, sql`p.ref`)},
      ${milestoneActual(DEADLINE_RULES.rle.milestones, sql`p.ref`)}
    from ev, projects p where p.ref = ${projectRef}
    on conflict (project_ref) do update set agency = excluded.agency, rac_id = excluded.rac_id,
      received_at = excluded.received_at, rlp_actual = excluded.rlp_actual, rle_actual = excluded.rle_actual)`;
}

/**
 * What goes with every recorded event: its copy in the outbox (the follow-ups of committed
 * events, see workers/followups.ts) and, for order events, the deadline row.
 */
export const OUTBOX = sql`outbox as (insert into event_outbox (event_id, available_at) select id, at from ev)`;

function eventFollowers(e: Pick<EventRow, 'type' | 'projectRef'>): SQL[] {
  return refreshesProject(e.type) ? [OUTBOX, projectStats(e.projectRef)] : [OUTBOX];
}

/** The statement that records one event and brings the outbox and the aggregates it touches up to date. */
export function recordStatement(e: EventRow): SQL {
  const messageId = typeof e.data.messageId === 'string' ? e.data.messageId : undefined;
  const ctes = [
    sql`ev as (insert into history_events (project_ref, type, actor, data, at)
      values (${e.projectRef}, ${e.type}, ${e.actor}, ${JSON.stringify(e.data)}::jsonb, ${e.at.toISOString()}::timestamptz)
      returning id, at)`,
    ...eventFollowers(e),
    ...(messageId ? messageCounters(e, sql`(select * from messages where id = ${messageId}) m`) : []),
  ];
  return sql`with ${sql.join(ctes, sql`, `)} select id from ev`;
}
