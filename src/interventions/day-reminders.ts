import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { DbOrTx } from '../db/client.js';
import { interventions } from '../db/schema.js';
import { FRANCE_ZONE } from './holidays.js';

/**
 * One SMS reminder per person and day: the visits of one contact on one Paris calendar day
 * share the reminder of the earliest (its "lead"), which names them all. An SMS names at most
 * DAY_SMS_MAX visits; a busier day gets one reminder per such batch.
 */

type VisitRow = typeof interventions.$inferSelect;

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
