import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { DEADLINE_RULES } from '../projects/deadlines.js';
import { COUNTERS, type Counter } from './aggregates.js';
import { type Dimension, PROJECT_DIMENSIONS, type UsageFilters } from './params.js';
import { grainFor, usageSource } from './rollups.js';

/** Aggregates read from the pre-aggregated tables; every figure is cast so both drivers return numbers. */

export type Key = Partial<Record<Dimension, string>>;
export type MessageFigures = Record<Counter, number> & {
  smsSegments: number;
  activeSenders: number;
};
export interface ProjectFigures {
  projects: number;
  ackSent: number;
  ackMedianDays: number | null;
  rlpMet: number;
  rlpLate: number;
  rlpPending: number;
  rleMet: number;
  rleLate: number;
  rlePending: number;
}

export const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;
const COLUMN: Partial<Record<Dimension, string>> = {
  agency: 'agency',
  rac: 'rac_id',
  template: 'template',
  channel: 'channel',
};
const LABEL = { month: 'YYYY-MM', week: 'IYYY-"W"IW' } as const;

/**
 * The dimensions in two steps: the inner query groups by plain values (periods truncated to a
 * date, which is cheap); the outer one labels them ("2026-03", "2026-W10") once per group.
 */
export function dimensions(dims: Dimension[], dateColumn: string) {
  const inner: SQL[] = [];
  const outer: SQL[] = [];
  const names: SQL[] = [];
  for (const name of dims) {
    const id = sql`${sql.identifier(name)}`;
    if (name === 'month' || name === 'week') {
      inner.push(sql`date_trunc(${name}, ${sql.identifier(dateColumn)}::timestamp)::date as ${id}`);
      outer.push(sql`to_char(${id}, ${LABEL[name]}) as ${id}`);
    } else if (COLUMN[name]) {
      inner.push(sql`${sql.identifier(COLUMN[name])} as ${id}`);
      outer.push(id);
    } else continue;
    names.push(id);
  }
  return { inner, outer, names };
}

export const and = (conditions: (SQL | undefined)[]) =>
  sql.join(
    conditions.filter((c): c is SQL => c !== undefined),
    sql` and `,
  );
export const lead = (parts: SQL[]) => (parts.length > 0 ? sql`${sql.join(parts, sql`, `)}, ` : sql``);
const groupBy = (parts: SQL[]) => (parts.length > 0 ? sql`group by ${sql.join(parts, sql`, `)}` : sql``);
/** The groups and the grand total in one pass; `total` tells the total's row apart. */
export const withTotal = (parts: SQL[]) =>
  parts.length > 0
    ? {
        group: sql`group by grouping sets ((${sql.join(parts, sql`, `)}), ())`,
        flag: sql`grouping(${sql.join(parts, sql`, `)}) <> 0`,
      }
    : { group: sql``, flag: sql`true` };

export interface Figures<T> {
  rows: (Key & T)[];
  total: T | undefined;
}
export function split<T>(rows: (Key & T & { total?: boolean })[]): Figures<T> {
  const total = rows.find((row) => row.total);
  const strip = ({ total: _total, ...row }: Key & T & { total?: boolean }) => row as Key & T;
  // The total's row comes with its dimensions null: they are no part of it.
  const bare = (row: Key & T) =>
    Object.fromEntries(Object.entries(row).filter(([k]) => !(k in LABEL) && !(k in COLUMN))) as T;
  return { rows: rows.filter((row) => !row.total).map(strip), total: total ? bare(strip(total)) : undefined };
}

/**
 * Message counters over the period. Grouped by RAC first, then by the asked dimensions: the
 * inner level can run in parallel workers, and the active senders are then counted over a few
 * thousand per-RAC rows rather than over the whole range. Inside a group each RAC is one row
 * of the first level, so a group counts its active senders as rows; only the grand total needs
 * the distinct RACs of all groups, counted once beside it rather than sorted for every group.
 */
export async function messageFigures(db: Db, f: UsageFilters): Promise<Figures<MessageFigures>> {
  const { inner, outer, names } = dimensions(f.groupBy, 'day');
  const detail =
    Boolean(f.template || f.channel) || f.groupBy.some((name) => name === 'template' || name === 'channel');
  const source = await usageSource(db, grainFor(f.groupBy), f.from, f.to, detail);
  const filter = and([
    sql`day between ${f.from}::date and ${f.to}::date`,
    f.agency ? sql`agency = ${f.agency}` : undefined,
    f.rac ? sql`rac_id = ${f.rac}` : undefined,
    f.template ? sql`template = ${f.template}` : undefined,
    f.channel ? sql`channel = ${f.channel}` : undefined,
  ]);
  const sums = sql.raw(
    [
      ...COUNTERS.map((c) => `coalesce(sum(${c}), 0)::int as ${c}`),
      'coalesce(sum(sms_segments), 0)::int as "smsSegments"',
    ].join(', '),
  );
  const groups =
    names.length > 0
      ? sql`select ${lead(outer)} ${sums}, (count(*) filter (where sender_actions > 0))::int as "activeSenders",
          false as total
        from per_sender ${groupBy(names)}
        union all `
      : sql``;
  const result = await db.execute(sql`
    with per_sender as (
      select ${lead(inner)} rac_id as sender, ${sql.raw(COUNTERS.map((c) => `sum(${c}) as ${c}`).join(', '))},
        sum(sms_segments) as sms_segments, sum(sender_actions) as sender_actions
      from ${source} where ${filter}
      ${groupBy([...names, sql`rac_id`])}
    )
    ${groups}select ${lead(names.map((name) => sql`null::text as ${name}`))} ${sums},
      (select count(*) from (select distinct sender from per_sender where sender_actions > 0) active)::int
        as "activeSenders",
      true as total
    from per_sender`);
  return split(rowsOf<Key & MessageFigures & { total: boolean }>(result));
}

/** An order's counts, without the median (see projectFigures). */
type OrderCounts = Omit<ProjectFigures, 'ackMedianDays'>;
type DelayRow = Key & OrderCounts & { delay: number | null };
const ORDER_COUNTS = [
  'projects',
  'ackSent',
  'rlpMet',
  'rlpLate',
  'rlpPending',
  'rleMet',
  'rleLate',
  'rlePending',
] as const;

/** The median of a histogram of whole days, interpolated between the two middle orders as percentile_cont(0.5). */
export function medianOf(histogram: ReadonlyMap<number, number>): number | null {
  const days = [...histogram.keys()].sort((a, b) => a - b);
  const count = days.reduce((n, day) => n + (histogram.get(day) ?? 0), 0);
  if (count === 0) return null;
  const at = (index: number) => {
    let seen = 0;
    for (const day of days) {
      seen += histogram.get(day) ?? 0;
      if (seen > index) return day;
    }
    return days.at(-1) ?? 0;
  };
  const middle = (count - 1) / 2;
  const low = at(Math.floor(middle));
  return low + (at(Math.ceil(middle)) - low) * (middle - Math.floor(middle));
}

class Tally {
  readonly counts: OrderCounts = Object.fromEntries(ORDER_COUNTS.map((name) => [name, 0])) as OrderCounts;
  readonly delays = new Map<number, number>();
  add(row: DelayRow) {
    for (const name of ORDER_COUNTS) this.counts[name] += row[name];
    if (row.delay !== null) this.delays.set(row.delay, (this.delays.get(row.delay) ?? 0) + row.ackSent);
  }
  figures(): ProjectFigures {
    return { ...this.counts, ackMedianDays: medianOf(this.delays) };
  }
}

/**
 * Orders received in the period, judged as computeDeadlines judges one order. The database
 * counts orders by group and by acknowledgement delay (a few hundred lines for a national
 * year, by hashing), and the median delay is read off that histogram here: a percentile in
 * SQL would sort every order of the period, which was most of a national report's time.
 */
export async function projectFigures(db: Db, f: UsageFilters): Promise<Figures<ProjectFigures>> {
  const dims = f.groupBy.filter((name) => PROJECT_DIMENSIONS.includes(name));
  const { inner, outer, names } = dimensions(dims, 'received_at');
  const filter = and([
    sql`received_at between ${f.from}::date and ${f.to}::date`,
    f.agency ? sql`agency = ${f.agency}` : undefined,
    f.rac ? sql`rac_id = ${f.rac}` : undefined,
  ]);
  const today = sql`${f.today}::date`;
  const states = (prefix: 'rlp' | 'rle') => {
    const due = sql`(received_at + ${DEADLINE_RULES[prefix].days}::int)`;
    const actual = sql.identifier(`${prefix}_actual`);
    const as = (suffix: string) => sql.identifier(`${prefix}${suffix}`);
    return sql`(count(*) filter (where ${actual} <= ${due}))::int as ${as('Met')},
      (count(*) filter (where ${actual} > ${due} or (${actual} is null and ${today} > ${due})))::int as ${as('Late')},
      (count(*) filter (where ${actual} is null and ${today} <= ${due}))::int as ${as('Pending')}`;
  };
  const result = await db.execute(sql`
    select ${lead(outer)} delay, projects, "ackSent", "rlpMet", "rlpLate", "rlpPending", "rleMet", "rleLate", "rlePending"
    from (
      select ${lead(inner)} ack_date - received_at as delay, count(*)::int as projects, count(ack_date)::int as "ackSent",
        ${states('rlp')}, ${states('rle')}
      from project_stats where ${filter}
      group by ${sql.join([...names, sql`delay`], sql`, `)}
    ) by_delay`);
  const total = new Tally();
  const groups = new Map<string, { key: Key; tally: Tally }>();
  for (const row of rowsOf<DelayRow>(result)) {
    total.add(row);
    if (dims.length === 0) continue;
    const key = Object.fromEntries(dims.map((name) => [name, row[name]])) as Key;
    const id = dims.map((name) => row[name] ?? '').join('\u0000');
    const group = groups.get(id) ?? { key, tally: new Tally() };
    group.tally.add(row);
    groups.set(id, group);
  }
  return {
    rows: [...groups.values()].map(({ key, tally }) => ({ ...key, ...tally.figures() })),
    total: total.figures(),
  };
}
