import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { openDatabase } from '../src/db/client.js';
import { createHistory } from '../src/history/service.js';
import { timelineQuerySchema } from '../src/history/timeline.js';
import type { Caller } from '../src/keys/service.js';
import { usageCsv } from '../src/stats/csv.js';
import { usageQuerySchema } from '../src/stats/params.js';
import { createStats } from '../src/stats/service.js';

/**
 * The usual statistics and timeline queries against the data set of `npm run seed:load`, through
 * the same functions the routes call (SQL, assembly and CSV; not HTTP). Each query runs once
 * cold (the first report over a finished month sums it into usage_rollups), then warm.
 */

const ITERATIONS = 40;
const WARMUP = 3;

const admin: Caller = { kind: 'key', id: 'bench', name: 'bench admin', role: 'admin', agency: '*', racId: null };
const manager = (agency: string): Caller => ({ ...admin, name: 'bench manager', role: 'manager', agency });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function measure(run: () => Promise<unknown>) {
  const time = async () => {
    const start = process.hrtime.bigint();
    await run();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const first = await time();
  for (let i = 0; i < WARMUP; i++) await time();
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) samples.push(await time());
  samples.sort((a, b) => a - b);
  return { first, p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

export async function benchStats(): Promise<string> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('bench stats reads the load data set: set DATABASE_URL (see npm run seed:load)');
  const database = await openDatabase({ databaseUrl: url, dataDir: './data' });
  try {
    await database.migrate();
    const db = database.db;
    const count = async (table: string) =>
      Number(
        (
          (await db.execute(sql`select count(*)::int as n from ${sql.identifier(table)}`)) as unknown as {
            rows: { n: number }[];
          }
        ).rows[0]?.n,
      );
    const [messages, events, projects] = [
      await count('messages'),
      await count('history_events'),
      await count('projects'),
    ];
    if (projects === 0) throw new Error('no data: run `npm run seed:load` against this database first');
    const stats = createStats({ db, now: () => new Date() });
    const history = createHistory({ db });
    const today = DateTime.now().setZone('Europe/Paris');
    const monthsAgo = (n: number) => today.startOf('month').minus({ months: n }).toISODate() ?? '';
    const weeksAgo = (n: number) => today.startOf('week').minus({ weeks: n }).toISODate() ?? '';
    const usage = (query: Record<string, string>, caller: Caller) => () =>
      stats.usage(usageQuerySchema.parse(query), caller);
    const [sample] = (
      (await db.execute(
        sql`select project_ref as ref from history_events where project_ref like 'LOAD-%' order by id desc limit 1 offset 50000`,
      )) as unknown as { rows: { ref: string }[] }
    ).rows;
    const ref = sample?.ref ?? 'LOAD-0000001';
    const timeline = (query: Record<string, string>) => () =>
      history.timeline(ref, timelineQuerySchema.parse(query), admin);

    const cases: [string, () => Promise<unknown>][] = [
      ['manager · own agency · 12 months by month', usage({ from: monthsAgo(11), groupBy: 'month' }, manager('AERM'))],
      ['manager · own agency · 12 months by RAC', usage({ from: monthsAgo(11), groupBy: 'rac' }, manager('AERM'))],
      [
        'manager · own agency · 12 months by template, channel',
        usage({ from: monthsAgo(11), groupBy: 'template,channel' }, manager('AERM')),
      ],
      ['manager · own agency · 12 weeks by week', usage({ from: weeksAgo(11), groupBy: 'week' }, manager('AERM'))],
      [
        'manager · own agency · 3 months by RAC, month, status',
        usage({ from: monthsAgo(2), groupBy: 'rac,month,status' }, manager('AERM')),
      ],
      [
        'manager · own agency · 12 months by month and RAC, CSV',
        async () => usageCsv(await usage({ from: monthsAgo(11), groupBy: 'month,rac' }, manager('AERM'))()),
      ],
      ['admin · national · 12 months by agency', usage({ from: monthsAgo(11), groupBy: 'agency' }, admin)],
      ['admin · national · 24 months by month', usage({ from: monthsAgo(23), groupBy: 'month' }, admin)],
      ['admin · national · 12 months by agency, month', usage({ from: monthsAgo(11), groupBy: 'agency,month' }, admin)],
      ['admin · national · 12 months by RAC', usage({ from: monthsAgo(11), groupBy: 'rac' }, admin)],
      ['admin · national · 12 weeks by week, template', usage({ from: weeksAgo(11), groupBy: 'week,template' }, admin)],
      ['admin · national · this month by status', usage({ from: monthsAgo(0), groupBy: 'status' }, admin)],
      [
        'admin · national · 90 days by agency (not month-aligned)',
        usage({ from: today.minus({ days: 90 }).toISODate() ?? '', groupBy: 'agency' }, admin),
      ],
      ['timeline · one order · first page with content', timeline({ include: 'content' })],
      ['timeline · one order · type=message.sent, sms', timeline({ type: 'message.sent', channel: 'sms' })],
    ];
    const lines = [
      `PostgreSQL (${database.kind}), ${messages.toLocaleString('en')} messages, ${events.toLocaleString('en')} events, ${projects.toLocaleString('en')} orders; ${ITERATIONS} runs per query after ${WARMUP} warm-up runs.`,
      '',
      '| query | first run (ms) | p50 (ms) | p95 (ms) |',
      '| --- | ---: | ---: | ---: |',
    ];
    for (const [name, run] of cases) {
      const { first, p50, p95 } = await measure(run);
      lines.push(`| ${name} | ${first.toFixed(1)} | ${p50.toFixed(1)} | ${p95.toFixed(1)} |`);
    }
    return lines.join('\n');
  } finally {
    await database.close();
  }
}
