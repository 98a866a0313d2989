import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import { recordEvent } from '../history/record.js';
import type { Logger } from '../logger.js';
import { purgeFeedback, purgeUnmatchedReports } from './feedback.js';
import { ERASED } from './scrub.js';
import { FINISHED } from '../messages/lifecycle.js';

/**
 * The retention rule: RETENTION_DAYS after an order's last recorded activity, its messages
 * lose their content and recipients and its contacts their details. Statuses, dates, counts
 * and the history's events stay; free text that may quote a person (errors, survey comments, returned mail) goes. Messages not
 * finished yet (drafts, scheduled) are left alone: purging them would send an empty message.
 */

export interface RetentionDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  retentionDays: number;
}

export interface PurgeSummary {
  projects: number;
  messages: number;
  contacts: number;
}

const FINAL = sql`(${sql.join(
  FINISHED.map((status) => sql`${status}`),
  sql`, `,
)})`;
const PAGE = 200;
const RETENTION: { name: string } = { name: 'retention' };
const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

// The latest event by id (ids grow with time), read from the (project_ref, id) index.
const lastActivity = sql`coalesce((select e.at from history_events e where e.project_ref = p.ref order by e.id desc limit 1),
  p.updated_at)`;
const somethingLeft = sql`(exists (select 1 from messages m where m.project_ref = p.ref and m.purged_at is null and m.status in ${FINAL})
  or exists (select 1 from contacts c where c.project_ref = p.ref and c.erased_at is null))`;

const anonymous = (column: string) => sql`(select coalesce(jsonb_agg(jsonb_build_object('address', ${ERASED}::text)
  || case when r ? 'contactId' then jsonb_build_object('contactId', r->'contactId') else '{}'::jsonb end), '[]'::jsonb)
  from jsonb_array_elements(${sql.identifier(column)}) r)`;

async function purgeProject(tx: Tx, ref: string, cutoff: Date, now: Date, retentionDays: number) {
  // Locked and checked again: activity may have come in since the candidates were listed.
  const [current] = rowsOf<{ last: string }>(
    await tx.execute(sql`select ${lastActivity}::text as last from projects p
      where p.ref = ${ref} and ${lastActivity} < ${cutoff.toISOString()}::timestamptz and ${somethingLeft} for update`),
  );
  if (!current) return undefined;
  const purged = rowsOf<{ id: string }>(
    await tx.execute(sql`update messages set "to" = ${anonymous('to')}, cc = ${anonymous('cc')}, reply_to = null,
      subject = null, html = null, text = null, sms_body = null, blocks = '{}'::jsonb, data = '{}'::jsonb,
      attachments = null, calendar = null, from_name = null,
      last_error = null, purged_at = ${now.toISOString()}::timestamptz
      where project_ref = ${ref} and purged_at is null and status in ${FINAL} returning id`),
  ).length;
  const erased = rowsOf<{ id: string }>(
    await tx.execute(sql`update contacts set civility = null, first_name = null, last_name = ${ERASED}, email = null,
      mobile = null, erased_at = ${now.toISOString()}::timestamptz where project_ref = ${ref} and erased_at is null returning id`),
  ).length;
  await tx.execute(sql`update interventions set notes = null where project_ref = ${ref} and notes is not null`);
  await tx.execute(sql`update history_events set data = data - 'error' - 'reason'
    where project_ref = ${ref} and data ?| array['error', 'reason']`);
  await purgeFeedback(tx, ref);
  await recordEvent(tx, {
    projectRef: ref,
    type: 'retention.purged',
    actor: RETENTION,
    data: { messages: purged, contacts: erased, lastActivityAt: new Date(current.last).toISOString(), retentionDays },
    at: now,
  });
  return { messages: purged, contacts: erased };
}

export function createRetention(deps: RetentionDeps) {
  async function pass(): Promise<PurgeSummary> {
    const now = deps.now();
    const cutoff = new Date(now.getTime() - deps.retentionDays * 86_400_000);
    const iso = sql`${cutoff.toISOString()}::timestamptz`;
    const summary: PurgeSummary = { projects: 0, messages: 0, contacts: 0 };
    let after = '';
    for (;;) {
      const refs = rowsOf<{ ref: string }>(
        await deps.db.execute(sql`select p.ref from projects p
          where p.updated_at < ${iso} and p.ref > ${after} and ${lastActivity} < ${iso} and ${somethingLeft}
          order by p.ref limit ${PAGE}`),
      ).map((row) => row.ref);
      for (const ref of refs) {
        const done = await deps.db.transaction((tx) => purgeProject(tx, ref, cutoff, now, deps.retentionDays));
        if (!done) continue;
        summary.projects++;
        summary.messages += done.messages;
        summary.contacts += done.contacts;
      }
      if (refs.length < PAGE) break;
      after = refs.at(-1) ?? after;
    }
    await purgeUnmatchedReports(deps.db, cutoff);
    if (summary.projects > 0) deps.logger.info(summary, 'retention purge: old contents and contact details removed');
    return summary;
  }

  /** One purge pass over every order past the retention period (run by workers/). */
  return { purge: pass };
}

export type Retention = ReturnType<typeof createRetention>;
