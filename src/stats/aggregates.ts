import { type SQL, sql } from 'drizzle-orm';
import { DEADLINE_RULES } from '../projects/deadlines.js';

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

/** Which counter an event type adds to. An undelivered SMS (or a bounced mail) was sent, then failed. */
export const COUNTER_OF: Readonly<Record<string, Counter>> = {
  'message.drafted': 'drafted',
  'message.scheduled': 'scheduled',
  'message.sent': 'sent',
  'message.delivered': 'delivered',
  'message.failed': 'failed',
  'message.undelivered': 'failed',
  'message.bounced': 'failed',
  'message.cancelled': 'cancelled',
};
export const COUNTERS = ['drafted', 'scheduled', 'sent', 'delivered', 'failed', 'cancelled'] as const;
export type Counter = (typeof COUNTERS)[number];

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
}

const insertEvent = (e: EventRow) => sql`insert into history_events (project_ref, type, actor, data)
  values (${e.projectRef}, ${e.type}, ${e.actor}, ${JSON.stringify(e.data)}::jsonb) returning at`;

/** A message created by hand or by an order tool counts; one prepared by an automation counts when someone acts on it. */
const bySender = (e: EventRow) =>
  SENDER_EVENTS.includes(e.type) && e.actor !== null && !SYSTEM_ACTORS.includes(e.actor);

function senderAction(e: EventRow): SQL {
  if (!bySender(e)) return sql`0`;
  const creation = e.type === 'message.drafted' || (e.type === 'message.scheduled' && e.data.from !== 'draft');
  return creation
    ? sql`(case when m.origin = 'api' then 1 else 0 end)`
    : sql`(case when m.origin in ('api', 'automation') then 1 else 0 end)`;
}

function messageStatement(e: EventRow, messageId: string): SQL {
  const counter = COUNTER_OF[e.type];
  const one = (name: Counter) => (counter === name ? sql`1` : sql`0`);
  const segments =
    counter === 'sent' ? sql`(case when m.channel = 'sms' then coalesce(m.sms_segments, 0) else 0 end)` : sql`0`;
  const ack =
    counter === 'sent'
      ? sql`, ack as (
          update project_stats s set ack_date = least(coalesce(s.ack_date, x.day), x.day)
          from (select m.project_ref, (coalesce(m.sent_at, ev.at) at time zone ${ZONE})::date as day from ev, messages m
                where m.id = ${messageId} and m.template_key = ${ACK_TEMPLATE}) x
          -- Only an earlier day changes the row: later sends take no lock on it.
          where s.project_ref = x.project_ref and (s.ack_date is null or s.ack_date > x.day))`
      : sql``;
  return sql`with ev as (${insertEvent(e)})${ack}
    insert into usage_daily as u (day, agency, rac_id, template, channel, shard, drafted, scheduled, sent, delivered,
      failed, cancelled, sms_segments, sender_actions)
    select (ev.at at time zone ${ZONE})::date, m.agency, m.rac_id, m.template_key, m.channel, ${SHARD}, ${one('drafted')},
      ${one('scheduled')}, ${one('sent')}, ${one('delivered')}, ${one('failed')}, ${one('cancelled')}, ${segments},
      ${senderAction(e)}
    from ev, messages m where m.id = ${messageId} ${counter ? sql`` : sql`and ${senderAction(e)} = 1`}
    on conflict (day, agency, rac_id, template, channel, shard) do update set
      drafted = u.drafted + excluded.drafted, scheduled = u.scheduled + excluded.scheduled,
      sent = u.sent + excluded.sent, delivered = u.delivered + excluded.delivered, failed = u.failed + excluded.failed,
      cancelled = u.cancelled + excluded.cancelled, sms_segments = u.sms_segments + excluded.sms_segments,
      sender_actions = u.sender_actions + excluded.sender_actions`;
}

/** The first actual date among a deadline's milestones, as computeDeadlines reads them. */
export function milestoneActual(codes: readonly string[], projectRef: SQL): SQL {
  const each = codes.map(
    (code) => sql`(select actual from milestones where project_ref = ${projectRef} and code = ${code})`,
  );
  return sql`coalesce(${sql.join(each, sql`, `)})`;
}

function projectStatement(e: EventRow): SQL {
  return sql`with ev as (${insertEvent(e)})
    insert into project_stats as s (project_ref, agency, rac_id, received_at, rlp_actual, rle_actual)
    select p.ref, p.agency, p.rac_id, p.received_at, ${milestoneActual(DEADLINE_RULES.rlp.milestones, sql`p.ref`)},
      ${milestoneActual(DEADLINE_RULES.rle.milestones, sql`p.ref`)}
    from ev, projects p where p.ref = ${e.projectRef}
    on conflict (project_ref) do update set agency = excluded.agency, rac_id = excluded.rac_id,
      received_at = excluded.received_at, rlp_actual = excluded.rlp_actual, rle_actual = excluded.rle_actual`;
}

/** The statement that records one event and brings the aggregates it touches up to date. */
export function recordStatement(e: EventRow): SQL {
  const messageId = typeof e.data.messageId === 'string' ? e.data.messageId : undefined;
  if (messageId && (COUNTER_OF[e.type] || bySender(e))) return messageStatement(e, messageId);
  if (refreshesProject(e.type)) return projectStatement(e);
  return insertEvent(e);
}
