import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { DEADLINE_RULES } from '../projects/deadlines.js';
import {
  ACK_TEMPLATE,
  COUNTER_LIST,
  COUNTER_OF,
  COUNTERS,
  milestoneActual,
  SENDER_EVENTS,
  SHARD,
  SYSTEM_ACTORS,
  ZONE,
} from './aggregates.js';

/**
 * Recomputes the statistics tables from the history, messages and milestones, by the same
 * rules as the incremental path. Used to fill them for data that predates them (the migration
 * runs the same statements), by the load seed, and by tests to prove both paths agree.
 */

const list = (values: readonly string[]) =>
  sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  );

const typesOf = (counter: string) => Object.keys(COUNTER_OF).filter((type) => COUNTER_OF[type] === counter);

export function rebuildUsageSql() {
  const counts = COUNTERS.map((counter) => sql`count(*) filter (where e.type in (${list(typesOf(counter))}))`);
  const creation = sql`(e.type = 'message.drafted' or (e.type = 'message.scheduled' and e.data->>'from' is distinct from 'draft'))`;
  return sql`insert into usage_daily (day, agency, rac_id, template, channel, shard, ${COUNTER_LIST}, sms_segments,
      sender_actions)
    select (e.at at time zone ${ZONE})::date, m.agency, m.rac_id, m.template_key, m.channel, ${SHARD},
      ${sql.join(counts, sql`, `)},
      coalesce(sum(m.sms_segments) filter (where e.type = 'message.sent' and m.channel = 'sms'), 0),
      count(*) filter (where e.type in (${list(SENDER_EVENTS)}) and e.actor not in (${list(SYSTEM_ACTORS)})
        and (m.origin = 'api' or (m.origin = 'automation' and not ${creation})))
    from history_events e join messages m on m.id = e.data->>'messageId'
    where e.type in (${list([...new Set([...Object.keys(COUNTER_OF), ...SENDER_EVENTS])])})
    group by 1, 2, 3, 4, 5, 6`;
}

export function rebuildProjectStatsSql() {
  return sql`insert into project_stats (project_ref, agency, rac_id, received_at, rlp_actual, rle_actual, ack_date)
    select p.ref, p.agency, p.rac_id, p.received_at, ${milestoneActual(DEADLINE_RULES.rlp.milestones, sql`p.ref`)},
      ${milestoneActual(DEADLINE_RULES.rle.milestones, sql`p.ref`)},
      (select (min(m.sent_at) at time zone ${ZONE})::date from messages m
        where m.project_ref = p.ref and m.template_key = ${ACK_TEMPLATE})
    from projects p`;
}

/** Empties and refills both tables in one transaction. */
export async function rebuildAggregates(db: DbOrTx): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`delete from usage_daily`);
    await tx.execute(sql`delete from project_stats`);
    await tx.execute(sql`delete from usage_rollups`);
    await tx.execute(sql`delete from usage_rollup_buckets`);
    await tx.execute(rebuildUsageSql());
    await tx.execute(rebuildProjectStatsSql());
  });
}
