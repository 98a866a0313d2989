import { type SQL, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db } from '../db/client.js';
import { COUNTERS, ZONE } from './aggregates.js';
import type { Dimension } from './params.js';

/**
 * Where a report reads its message counters from. A national report over two years would sum
 * about a million usage_daily rows; whole months (or weeks) that are over come instead from
 * usage_rollups, which holds one row per bucket, agency, RAC and template, summed the first
 * time a report needs it. Only days the clock can still add to are read day by day.
 *
 * Each bucket is summed twice: by template and channel (grain `month`, `week`), and per RAC
 * only (`month-rac`, `week-rac`, template and channel empty), which is what most reports ask
 * and six times fewer rows to read for a national one.
 */

export type Grain = 'month' | 'week';
/** The rollup rows a report reads: by template and channel, or per RAC only. */
const stored = (grain: Grain, detail: boolean) => (detail ? grain : (`${grain}-rac` as const));
const COLUMNS = sql.raw(`day, agency, rac_id, template, channel, ${COUNTERS.join(', ')}, sms_segments, sender_actions`);
const SUMS = sql.raw([...COUNTERS, 'sms_segments', 'sender_actions'].map((c) => `sum(${c})`).join(', '));

/** Weeks are summed by week, everything else by month; weeks and months together need days. */
export function grainFor(dims: readonly Dimension[]): Grain | undefined {
  if (dims.includes('week')) return dims.includes('month') ? undefined : 'week';
  return 'month';
}

const iso = (date: DateTime) => date.toISODate() ?? '';
const parse = (day: string) => DateTime.fromISO(day, { zone: ZONE });
const bucketEnd = (start: DateTime, grain: Grain) =>
  start.plus(grain === 'month' ? { months: 1 } : { weeks: 1 }).minus({ days: 1 });

export interface Plan {
  buckets: string[];
  days: [string, string][];
}

/** The whole buckets inside [from, to] that ended on or before lastFinalDay, and the days around them. */
export function planSources(from: string, to: string, grain: Grain | undefined, lastFinalDay: string): Plan {
  if (!grain) return { buckets: [], days: [[from, to]] };
  const buckets: string[] = [];
  let start = parse(from).startOf(grain);
  if (iso(start) < from) start = start.plus(grain === 'month' ? { months: 1 } : { weeks: 1 });
  while (iso(bucketEnd(start, grain)) <= to && iso(bucketEnd(start, grain)) <= lastFinalDay) {
    buckets.push(iso(start));
    start = start.plus(grain === 'month' ? { months: 1 } : { weeks: 1 });
  }
  const first = buckets[0];
  const last = buckets.at(-1);
  if (!first || !last) return { buckets, days: [[from, to]] };
  const after = iso(bucketEnd(parse(last), grain).plus({ days: 1 }));
  const days: [string, string][] = [];
  if (from < first) days.push([from, iso(parse(first).minus({ days: 1 }))]);
  if (after <= to) days.push([after, to]);
  return { buckets, days };
}

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;
const dates = (days: string[]) =>
  sql.join(
    days.map((day) => sql`${day}::date`),
    sql`, `,
  );

/** Sums the buckets not summed yet; one writer at a time, and a bucket is summed once. */
async function ensureBuckets(db: Db, grain: Grain, buckets: string[]): Promise<void> {
  const present = async (executor: Pick<Db, 'execute'>) =>
    new Set(
      rowsOf<{ day: string }>(
        await executor.execute(
          sql`select day::text as day from usage_rollup_buckets where grain = ${grain} and day in (${dates(buckets)})`,
        ),
      ).map((row) => row.day),
    );
  if ((await present(db)).size === buckets.length) return;
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('jalon.usage_rollups'))`);
    const have = await present(tx);
    const missing = buckets.filter((day) => !have.has(day));
    if (missing.length === 0) return;
    const truncated = sql`date_trunc(${grain}, day::timestamp)::date`;
    const lastDay = iso(bucketEnd(parse(missing.at(-1) ?? ''), grain));
    await tx.execute(sql`insert into usage_rollups (grain, ${COLUMNS})
      select ${grain}, ${truncated}, agency, rac_id, template, channel, ${SUMS} from usage_daily
      where day between ${missing[0]}::date and ${lastDay}::date and ${truncated} in (${dates(missing)})
      group by 2, 3, 4, 5, 6`);
    await tx.execute(sql`insert into usage_rollups (grain, ${COLUMNS})
      select ${stored(grain, false)}, day, agency, rac_id, '', '', ${SUMS} from usage_rollups
      where grain = ${grain} and day in (${dates(missing)})
      group by day, agency, rac_id`);
    await tx.execute(
      sql`insert into usage_rollup_buckets (grain, day) select ${grain}, d from unnest(array[${dates(missing)}]) d`,
    );
  });
}

/**
 * A derived table with usage_daily's columns covering [from, to], from rollups where it can;
 * `detail` when the report filters or splits by template or channel.
 */
export async function usageSource(
  db: Db,
  grain: Grain | undefined,
  from: string,
  to: string,
  detail: boolean,
): Promise<SQL> {
  // A day is final once no transaction that started on it can still commit: give it a full day.
  const [clock] = rowsOf<{ day: string }>(
    await db.execute(sql`select ((now() at time zone ${ZONE})::date - 2)::text as day`),
  );
  const plan = planSources(from, to, grain, clock?.day ?? '0000-00-00');
  const parts: SQL[] = [];
  if (grain && plan.buckets.length > 0) {
    await ensureBuckets(db, grain, plan.buckets);
    parts.push(sql`select ${COLUMNS} from usage_rollups
      where grain = ${stored(grain, detail)} and day between ${plan.buckets[0]}::date and ${plan.buckets.at(-1)}::date`);
  }
  if (plan.days.length > 0) {
    const ranges = plan.days.map(([a, b]) => sql`day between ${a}::date and ${b}::date`);
    parts.push(sql`select ${COLUMNS} from usage_daily where ${sql.join(ranges, sql` or `)}`);
  }
  return sql`(${sql.join(parts, sql` union all `)}) as source`;
}
