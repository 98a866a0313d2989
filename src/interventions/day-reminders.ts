import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { DbOrTx } from '../db/client.js';
import { interventions } from '../db/schema.js';
import { isHeard, isPending } from '../messages/lifecycle.js';
import type { MessageRow } from '../messages/moves.js';
import { FRANCE_ZONE } from './holidays.js';
import {
  namedVisits,
  type ReminderSummary,
  sameVisits,
  summaryOf,
  visitData,
  type VisitRow,
  type VisitWrites,
} from './visit-writes.js';

/**
 * One SMS reminder per person and day: the visits of one contact on one Paris calendar day
 * share the reminder of the earliest (its "lead"), which names them all. An SMS names at most
 * DAY_SMS_MAX visits; a busier day gets one reminder per such batch.
 */

export const DAY_SMS_MAX = 4;

export interface DayKey {
  contactId: string;
  day: string;
}

export const dayKeyOf = (row: Pick<VisitRow, 'contactId' | 'windowStart'>): DayKey => ({
  contactId: row.contactId,
  day: DateTime.fromJSDate(row.windowStart, { zone: FRANCE_ZONE }).toISODate() ?? '',
});

export const sameDayKey = (a: DayKey, b: DayKey) => a.contactId === b.contactId && a.day === b.day;

/**
 * Serialises the bookings of one person's visits inside an order, so that two visits of the
 * same day booked at the same moment still end up in one SMS.
 */
export async function lockContact(tx: DbOrTx, projectRef: string, contactId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`visits:${projectRef}:${contactId}`}))`);
}

/** The booked visits of that person on that day, in the order of their windows. */
export async function visitsOfDay(tx: DbOrTx, projectRef: string, key: DayKey): Promise<VisitRow[]> {
  const start = DateTime.fromISO(key.day, { zone: FRANCE_ZONE });
  return tx
    .select()
    .from(interventions)
    .where(
      and(
        eq(interventions.projectRef, projectRef),
        eq(interventions.contactId, key.contactId),
        eq(interventions.status, 'booked'),
        gte(interventions.windowStart, start.toJSDate()),
        lt(interventions.windowStart, start.plus({ days: 1 }).toJSDate()),
      ),
    )
    .orderBy(asc(interventions.windowStart), asc(interventions.id));
}

/** For each visit of the day, the visits its reminder names: all of its batch for a lead, none otherwise. */
export function reminderBatches(visits: readonly VisitRow[]): Map<string, VisitRow[]> {
  const batches = new Map<string, VisitRow[]>();
  for (let index = 0; index < visits.length; index += DAY_SMS_MAX) {
    const batch = visits.slice(index, index + DAY_SMS_MAX);
    batch.forEach((visit, position) => batches.set(visit.id, position === 0 ? batch : []));
  }
  return batches;
}

const REMINDER = 'rappel-intervention';

/** The SMS reminder of one visit: the day's reminder for a lead, nothing for the others. */
async function syncReminder(w: VisitWrites, visit: VisitRow, batch: VisitRow[], owned: MessageRow[]) {
  const reminders = owned.filter((m) => m.templateKey === REMINDER);
  const pending = reminders.filter((m) => isPending(m.status));
  const heard = reminders.filter((m) => isHeard(m.status)).at(-1);
  if (batch.length === 0) {
    const reason = visit.status === 'booked' ? 'named in the reminder of another visit of the day' : 'visit cancelled';
    for (const m of pending) await w.cancel(m, reason);
    return undefined;
  }
  const data = { ...visitData(visit), others: batch.slice(1).map(visitData) };
  if (heard && sameVisits(namedVisits(heard.data), namedVisits(data))) {
    for (const m of pending) await w.cancel(m, 'already sent');
    return summaryOf(heard);
  }
  const plan = w.plansOf(visit)?.[REMINDER];
  const keep = plan && !plan.skip ? pending.at(-1) : undefined;
  for (const m of pending) if (m !== keep) await w.cancel(m, 'no longer possible');
  if (!plan) return undefined;
  if (plan.skip) return w.skipped(visit, REMINDER, plan);
  return keep ? w.rewrite(keep, visit, data, plan.sendAt) : w.prepare(visit, REMINDER, data, plan.sendAt);
}

/**
 * The reminders of every visit of the days this one was and is on, in line with the day's
 * batches; `owned` are the messages of `row`. Returns what the answer says of `row`'s SMS.
 */
export async function syncDayReminders(
  w: VisitWrites,
  row: VisitRow,
  before: VisitRow | undefined,
  owned: MessageRow[],
): Promise<ReminderSummary[]> {
  const refusal = w.refusedPlan(REMINDER);
  if (refusal?.skip) {
    for (const m of owned)
      if (m.templateKey === REMINDER && isPending(m.status)) await w.cancel(m, 'no longer possible');
    return row.status === 'booked' ? [await w.skipped(row, REMINDER, refusal)] : [];
  }
  const keys: DayKey[] = [];
  for (const visit of [row, before])
    if (visit?.status === 'booked' && !keys.some((key) => sameDayKey(key, dayKeyOf(visit)))) keys.push(dayKeyOf(visit));
  const involved = new Map<string, VisitRow>([[row.id, row]]);
  const batches = new Map<string, VisitRow[]>();
  const leads = new Map<string, VisitRow>();
  for (const key of keys) {
    const visits = await visitsOfDay(w.tx, w.project.ref, key);
    for (const visit of visits) involved.set(visit.id, visit);
    for (const [id, batch] of reminderBatches(visits)) {
      batches.set(id, batch);
      for (const member of batch) leads.set(member.id, batch[0]!);
    }
  }
  const entries = new Map<string, ReminderSummary | undefined>();
  for (const visit of involved.values()) {
    const mine =
      visit.id === row.id ? owned : await w.ops.find(w.tx, { projectRef: w.project.ref, interventionId: visit.id });
    entries.set(visit.id, await syncReminder(w, visit, batches.get(visit.id) ?? [], mine));
  }
  const lead = leads.get(row.id);
  const entry =
    lead && lead.id !== row.id
      ? // The day's SMS, as the planner should check it, with why this visit has none of its own.
        {
          ...entries.get(lead.id),
          template: REMINDER,
          skipped: 'same_day',
          message: `one SMS names every visit of the day for this contact: it is the reminder of visit ${lead.id}`,
        }
      : entries.get(row.id);
  return entry ? [entry] : [];
}
