import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db } from '../db/client.js';
import { recordEvent } from '../history/record.js';
import { periodic } from '../lib/periodic.js';
import type { Logger } from '../logger.js';
import { DEADLINE_RULES } from './deadlines.js';

/** Deadlines missed longer ago than this are not announced (a first run on years of orders). */
const LOOK_BACK_DAYS = 30;
const PAGE = 500;
const COLUMN = { rlp: sql.raw('rlp_actual'), rle: sql.raw('rle_actual') } as const;
const ACTOR = { name: 'automation' };

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

/**
 * Announces each missed milestone deadline once (the internal kick-off 5 days after receipt,
 * the client kick-off 15 days after, DESIGN §2): a `project.deadline_missed` history event,
 * which order tools receive by webhook. The deadline rows (project_stats) already hold what
 * the check needs; the history says what was announced.
 */
export function createDeadlineWatch(deps: { db: Db; now: () => Date; logger: Logger }) {
  async function pass(): Promise<number> {
    const today = DateTime.fromJSDate(deps.now(), { zone: 'Europe/Paris' }).toISODate() ?? '';
    let announced = 0;
    for (const [milestone, rule] of Object.entries(DEADLINE_RULES) as [
      keyof typeof DEADLINE_RULES,
      { days: number },
    ][]) {
      const due = sql`(s.received_at + ${rule.days}::int)`;
      const late = rowsOf<{ ref: string; due: string }>(
        await deps.db.execute(sql`select s.project_ref as ref, to_char(${due}, 'YYYY-MM-DD') as due
          from project_stats s
          where s.${COLUMN[milestone]} is null and ${due} < ${today}::date
            and ${due} >= ${today}::date - ${LOOK_BACK_DAYS}::int
            and not exists (select 1 from history_events e where e.project_ref = s.project_ref
              and e.type = 'project.deadline_missed' and e.data->>'milestone' = ${milestone})
          order by s.project_ref limit ${PAGE}`),
      );
      for (const row of late) {
        const recorded = await deps.db.transaction(async (tx) => {
          // Several workers may run the check at once: one announces, the others find it done.
          await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`jalon:deadline:${row.ref}`}))`);
          const [done] = rowsOf(
            await tx.execute(sql`select 1 from history_events where project_ref = ${row.ref}
              and type = 'project.deadline_missed' and data->>'milestone' = ${milestone} limit 1`),
          );
          if (done) return false;
          await recordEvent(tx, {
            projectRef: row.ref,
            type: 'project.deadline_missed',
            actor: ACTOR,
            data: { milestone, due: row.due },
            at: deps.now(),
          });
          return true;
        });
        if (recorded) announced++;
      }
    }
    if (announced > 0) deps.logger.info({ announced }, 'missed milestone deadlines announced');
    return announced;
  }
  return periodic('deadline check', pass, deps.logger);
}
