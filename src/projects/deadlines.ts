import { DateTime } from 'luxon';
import type { Milestones } from './schema.js';

/**
 * Milestone deadlines of an order (DESIGN §2): the internal kick-off (RLP) within 5 calendar
 * days of receipt, the client kick-off (RLE) within 15, and the welcome contact by its planned
 * date. Each is on time, late, or pending, judged from the actual date, or from today while
 * there is none.
 */

export type DeadlineState = 'on_time' | 'late' | 'pending';

export interface Deadline {
  due: string | null;
  actual: string | null;
  planned: string | null;
  state: DeadlineState;
  /** A pending milestone whose planned date is already past its due date. */
  plannedLate: boolean;
}

export const DEADLINE_RULES = {
  rlp: { days: 5, milestones: ['rlp', 'rlpValidated'] as const },
  rle: { days: 15, milestones: ['rle'] as const },
} as const;

export type DeadlineCode = 'clientContact' | keyof typeof DEADLINE_RULES;

function judge(due: string | null, planned: string | null, actual: string | null, today: string): Deadline {
  let state: DeadlineState;
  if (due === null) state = actual ? 'on_time' : 'pending';
  else if (actual) state = actual <= due ? 'on_time' : 'late';
  else state = today > due ? 'late' : 'pending';
  return { due, planned, actual, state, plannedLate: !actual && due !== null && planned !== null && planned > due };
}

const addDays = (date: string, days: number) =>
  DateTime.fromISO(date, { zone: 'Europe/Paris' }).plus({ days }).toISODate() ?? date;

export function computeDeadlines(
  project: { receivedAt: string; milestones: Milestones },
  today: string,
): Record<DeadlineCode, Deadline> {
  const m = project.milestones;
  const first = (codes: readonly (keyof Milestones)[], field: 'planned' | 'actual') =>
    codes.map((code) => m[code]?.[field]).find((value): value is string => value !== undefined) ?? null;
  const contact = m.clientContact;
  return {
    clientContact: judge(contact?.planned ?? null, contact?.planned ?? null, contact?.actual ?? null, today),
    rlp: judge(
      addDays(project.receivedAt, DEADLINE_RULES.rlp.days),
      first(DEADLINE_RULES.rlp.milestones, 'planned'),
      first(DEADLINE_RULES.rlp.milestones, 'actual'),
      today,
    ),
    rle: judge(
      addDays(project.receivedAt, DEADLINE_RULES.rle.days),
      first(DEADLINE_RULES.rle.milestones, 'planned'),
      first(DEADLINE_RULES.rle.milestones, 'actual'),
      today,
    ),
  };
}

/** A project as the API shows it: the order plus where its deadlines stand today. */
export function withDeadlines<T extends { receivedAt: string; milestones: Milestones }>(project: T, now: Date) {
  const today = DateTime.fromJSDate(now, { zone: 'Europe/Paris' }).toISODate() ?? now.toISOString().slice(0, 10);
  return { ...project, deadlines: computeDeadlines(project, today) };
}

/**
 * What the order list filters and sorts on, stored with the order because it does not depend
 * on the day: the due date of the nearest deadline not held yet (`next`), whether one was held
 * after its due date (`missed`), and the day the deployment ended. An order is late on a day
 * when one was missed or `next` is already past (the same rule as computeDeadlines).
 */
export interface DeadlineMarks {
  next: string | null;
  missed: boolean;
  endedOn: string | null;
}

export function deadlineMarks(project: { receivedAt: string; milestones: Milestones }): DeadlineMarks {
  // Judged before any day: a deadline not held is pending, so only one held late counts as late.
  const deadlines = Object.values(computeDeadlines(project, '0000-01-01'));
  const open = deadlines.filter((d) => d.actual === null && d.due !== null).map((d) => d.due as string);
  return {
    next: open.length > 0 ? open.sort()[0]! : null,
    missed: deadlines.some((d) => d.state === 'late'),
    endedOn: project.milestones.deploymentEnd?.actual ?? null,
  };
}

export const isLateOn = (marks: DeadlineMarks, today: string): boolean =>
  marks.missed || (marks.next !== null && today > marks.next);
