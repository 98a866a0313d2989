import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db, DbOrTx } from '../db/client.js';
import { digestProblems, problemDigests } from '../db/schema.js';
import { ZONE } from '../stats/aggregates.js';

export type DigestRow = typeof problemDigests.$inferSelect;
export type NewProblem = Omit<typeof digestProblems.$inferInsert, 'digestId'> & { projectRef: string };

export interface DigestTiming {
  /** The wait after the first problem, for the rest of the burst to join it. */
  delayMinutes: number;
  /** When a day's summary has gone already, the next one goes at this hour (Paris) the next day. */
  nextDayHour: number;
}

/** What a queue job should be told: this summary, at that time. */
export interface Trigger {
  id: string;
  dueAt: Date;
}

/**
 * The first day without a summary for the order, from the day the wait ends: a day whose
 * summary went already passes to the next, at its morning hour. So one order never gets two
 * summaries on one day, and a late problem still has a day.
 */
function placement(now: Date, taken: ReadonlySet<string>, timing: DigestTiming): { day: string; dueAt: Date } {
  let due = DateTime.fromJSDate(now, { zone: ZONE }).plus({ minutes: timing.delayMinutes });
  let day = due.toISODate() ?? '';
  while (taken.has(day)) {
    const morning = DateTime.fromISO(day, { zone: ZONE }).plus({ days: 1 }).set({ hour: timing.nextDayHour });
    if (morning > due) due = morning;
    day = due.toISODate() ?? '';
  }
  return { day, dueAt: due.toJSDate() };
}

async function openDigest(tx: DbOrTx, projectRef: string, now: Date, timing: DigestTiming) {
  const today = DateTime.fromJSDate(now, { zone: ZONE }).toISODate() ?? '';
  const days = await tx
    .select({ day: problemDigests.day })
    .from(problemDigests)
    .where(and(eq(problemDigests.projectRef, projectRef), sql`${problemDigests.day} >= ${today}`));
  const { day, dueAt } = placement(now, new Set(days.map((d) => d.day)), timing);
  // Another worker may open the order's summary at the same moment: the unique indexes pick one.
  const [row] = await tx
    .insert(problemDigests)
    .values({ id: randomUUID(), projectRef, day, status: 'pending', dueAt, createdAt: now })
    .onConflictDoNothing()
    .returning();
  return row;
}

/**
 * Puts a problem in its order's collecting summary, opening one when there is none. Once per
 * history event, and once per message and contact: the hard bounce and the suppression it
 * causes are one problem for the RAC. Returns the summary a job should look at, if any.
 */
export async function collect(db: Db, problem: NewProblem, now: Date, timing: DigestTiming) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const placed = await db.transaction(async (tx): Promise<Trigger | undefined | 'retry'> => {
      // Locked first, so that a worker claiming it waits for this problem to be in, and a
      // second delivery of the same event, waiting here, then sees the first one's problem.
      const [open] = await tx
        .select()
        .from(problemDigests)
        .where(and(eq(problemDigests.projectRef, problem.projectRef), eq(problemDigests.status, 'pending')))
        .for('update');
      const [known] = await tx
        .select({ id: problemDigests.id, dueAt: problemDigests.dueAt, status: problemDigests.status })
        .from(digestProblems)
        .innerJoin(problemDigests, eq(problemDigests.id, digestProblems.digestId))
        .where(
          or(
            eq(digestProblems.eventId, problem.eventId),
            and(
              eq(problemDigests.projectRef, problem.projectRef),
              eq(digestProblems.messageId, problem.messageId),
              sql`coalesce(${digestProblems.contactId}, '') = ${problem.contactId ?? ''}`,
            ),
          ),
        )
        .limit(1);
      // Already told (or about to be): a job is still asked for, in case the first one was lost.
      if (known) return known.status === 'pending' ? { id: known.id, dueAt: known.dueAt } : undefined;
      const digest = open ?? (await openDigest(tx, problem.projectRef, now, timing));
      if (!digest) return 'retry';
      const { projectRef: _ref, ...columns } = problem;
      await tx
        .insert(digestProblems)
        .values({ ...columns, digestId: digest.id })
        .onConflictDoNothing();
      return { id: digest.id, dueAt: digest.dueAt };
    });
    if (placed !== 'retry') return placed;
  }
  throw new Error('could not place the problem in a summary');
}

/**
 * Takes a due summary for mailing. A summary left `sending` without a hand on it (its last
 * attempt failed, or its worker died `stuckAfterMs` ago) can be taken again.
 */
export async function claim(db: Db, id: string, now: Date, stuckAfterMs: number): Promise<DigestRow | undefined> {
  const stuckBefore = new Date(now.getTime() - stuckAfterMs);
  const [row] = await db
    .update(problemDigests)
    .set({ status: 'sending', claimedAt: now })
    .where(
      and(
        eq(problemDigests.id, id),
        or(
          and(eq(problemDigests.status, 'pending'), lte(problemDigests.dueAt, now)),
          and(
            eq(problemDigests.status, 'sending'),
            or(isNull(problemDigests.claimedAt), lt(problemDigests.claimedAt, stuckBefore)),
          ),
        ),
      ),
    )
    .returning();
  return row;
}

/** An attempt that failed lets go of the summary: the next attempt takes it again. */
export async function letGo(db: Db, id: string): Promise<void> {
  await db
    .update(problemDigests)
    .set({ claimedAt: null })
    .where(and(eq(problemDigests.id, id), eq(problemDigests.status, 'sending')));
}

/** Summaries that should have a job: collecting, or taken and then dropped. */
export async function unfinished(db: Db, limit: number): Promise<DigestRow[]> {
  return db
    .select()
    .from(problemDigests)
    .where(inArray(problemDigests.status, ['pending', 'sending']))
    .orderBy(problemDigests.dueAt)
    .limit(limit);
}
