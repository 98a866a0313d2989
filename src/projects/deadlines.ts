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
