import { type SQL, sql } from 'drizzle-orm';
import { DEADLINE_RULES } from './deadlines.js';
import { MILESTONE_CODES } from './schema.js';

/**
 * The deadline rule of ./deadlines.ts written in SQL, for what a list filters and sorts on
 * (the answer itself is judged by computeDeadlines). `ms` is the lateral row that
 * `milestoneColumns` makes: one planned and one actual column per milestone code.
 */

const column = (code: string, field: 'planned' | 'actual') => sql.raw(`ms."${code}.${field}"`);

/** One row per order with its milestones' dates, to join laterally on `projects p`. */
export const milestoneColumns = sql.raw(
  `(select ${MILESTONE_CODES.flatMap((code) =>
    (['planned', 'actual'] as const).map(
      (field) => `max(m.${field}) filter (where m.code = '${code}') as "${code}.${field}"`,
    ),
  ).join(', ')} from milestones m where m.project_ref = p.ref)`,
);

/** The same dates as text (YYYY-MM-DD), for the answer. */
export const milestoneDates = sql.raw(
  MILESTONE_CODES.flatMap((code) =>
    (['planned', 'actual'] as const).map((field) => `ms."${code}.${field}"::text as "${code}.${field}"`),
  ).join(', '),
);

interface Rule {
  due: SQL;
  actual: SQL;
}

function rules(): Rule[] {
  const fromReceipt = Object.values(DEADLINE_RULES).map((rule): Rule => ({
    due: sql`(p.received_at + ${sql.raw(String(rule.days))})`,
    actual: sql`coalesce(${sql.join(
      rule.milestones.map((code) => column(code, 'actual')),
      sql`, `,
    )})`,
  }));
  // The welcome contact is due on its planned date.
  return [{ due: column('clientContact', 'planned'), actual: column('clientContact', 'actual') }, ...fromReceipt];
}

/** Some deadline is late on `today`: held after its due date, or not held and already past it. */
export function anyLate(today: string): SQL {
  const late = rules().map(
    ({ due, actual }) =>
      sql`(${due} is not null and case when ${actual} is not null then ${actual} > ${due} else ${today}::date > ${due} end)`,
  );
  return sql`(${sql.join(late, sql` or `)})`;
}

/** The due date of the nearest deadline still to hold; far in the future when none is. */
export const nextDue: SQL = sql`coalesce(least(${sql.join(
  rules().map(({ due, actual }) => sql`case when ${actual} is null then ${due} end`),
  sql`, `,
)}), date '9999-12-31')`;

/** The deployment ended: the order is closed. */
export const closed: SQL = sql`(${column('deploymentEnd', 'actual')} is not null)`;
