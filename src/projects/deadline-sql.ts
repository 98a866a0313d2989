import { type SQL, sql } from 'drizzle-orm';
import { MILESTONE_CODES } from './schema.js';

/**
 * The SQL side of the order list's deadlines. The rule itself is computeDeadlines and
 * deadlineMarks (./deadlines.ts): orders store their marks, and the list only compares them.
 */

/** Late on `today`: a deadline held late, or the nearest one not held already past. */
export const lateOn = (today: string): SQL => sql`(p.deadline_missed or p.deadline_next < ${today}::date)`;

/** The due date of the nearest deadline still to hold; far in the future when none is. */
export const nextDue: SQL = sql`coalesce(p.deadline_next, date '9999-12-31')`;

/** The deployment ended: the order is closed. */
export const closed: SQL = sql`(p.ended_on is not null)`;

/** One row per order with its milestones' dates as text, to join laterally on `p`. */
export const milestoneDates = sql.raw(
  `(select ${MILESTONE_CODES.flatMap((code) =>
    (['planned', 'actual'] as const).map(
      (field) => `(max(m.${field}) filter (where m.code = '${code}'))::text as "${code}.${field}"`,
    ),
  ).join(', ')} from milestones m where m.project_ref = p.ref)`,
);

/**
 * deadlineMarks in SQL, for orders stored before the marks were: migration 0015 runs this
 * statement, and a test checks that it agrees with what the service writes.
 */
export const MARKS_BACKFILL = `UPDATE "projects" p SET "deadline_next" = d.next, "deadline_missed" = d.missed, "ended_on" = d.ended
FROM (
  SELECT p.ref,
    least(CASE WHEN ms.contact_actual IS NULL THEN ms.contact_planned END,
      CASE WHEN ms.rlp_actual IS NULL THEN p.received_at + 5 END,
      CASE WHEN ms.rle_actual IS NULL THEN p.received_at + 15 END) AS next,
    coalesce(ms.contact_actual > ms.contact_planned, false) OR coalesce(ms.rlp_actual > p.received_at + 5, false)
      OR coalesce(ms.rle_actual > p.received_at + 15, false) AS missed,
    ms.ended
  FROM "projects" p CROSS JOIN LATERAL (
    SELECT max(m.planned) FILTER (WHERE m.code = 'clientContact') AS contact_planned,
      max(m.actual) FILTER (WHERE m.code = 'clientContact') AS contact_actual,
      coalesce(max(m.actual) FILTER (WHERE m.code = 'rlp'), max(m.actual) FILTER (WHERE m.code = 'rlpValidated')) AS rlp_actual,
      max(m.actual) FILTER (WHERE m.code = 'rle') AS rle_actual,
      max(m.actual) FILTER (WHERE m.code = 'deploymentEnd') AS ended
    FROM "milestones" m WHERE m.project_ref = p.ref
  ) ms
) d
WHERE d.ref = p.ref;`;
