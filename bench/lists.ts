import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { openDatabase } from '../src/db/client.js';
import type { Caller } from '../src/keys/service.js';
import { DateTime } from 'luxon';
import { createInterventionList } from '../src/interventions/list.js';
import { interventionListQuerySchema } from '../src/interventions/list-schema.js';
import { createMessageList } from '../src/messages/list.js';
import { messageListQuerySchema } from '../src/messages/list-schema.js';
import { createProjectList } from '../src/projects/list.js';
import { projectListQuerySchema } from '../src/projects/list-schema.js';
import { loadProject } from '../src/projects/repository.js';

/**
 * The order, message and visit lists against the data set of `npm run seed:load` (130,000 orders,
 * about a million messages), through the functions the routes call (SQL and assembly; not
 * HTTP). Baselines of the same run: reading one order by its number (the floor of any request
 * that touches an order), and each list query again without the indexes made for the lists
 * (dropped inside a transaction that is rolled back).
 */

const ITERATIONS = 40;
const WARMUP = 3;
// The indexes that only the lists use (the agency and RAC ones existed before, without
// updated_at, and stay for the baseline).
const LIST_INDEXES = [
  'messages_drafts_idx',
  'messages_problems_idx',
  'messages_updated_idx',
  'projects_search_idx',
  'interventions_window_idx',
];

const admin: Caller = { kind: 'key', id: 'bench', name: 'bench admin', role: 'admin', agency: '*', racId: null };
const manager = (agency: string): Caller => ({ ...admin, name: 'bench manager', role: 'manager', agency });
const planner = (agency: string): Caller => ({ ...admin, name: 'bench planner', role: 'planner', agency });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function measure(run: () => Promise<unknown>, iterations = ITERATIONS) {
  const time = async () => {
    const start = process.hrtime.bigint();
    await run();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  for (let i = 0; i < WARMUP; i++) await time();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) samples.push(await time());
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

type Case = [string, (db: Db) => Promise<unknown>];

export async function benchLists(): Promise<string> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('bench lists reads the load data set: set DATABASE_URL (see npm run seed:load)');
  const database = await openDatabase({ databaseUrl: url, dataDir: './data' });
  try {
    await database.migrate();
    const db = database.db;
    const [counts] = rowsOf<{ projects: number; messages: number; drafts: number; problems: number }>(
      await db.execute(sql`select (select count(*)::int from projects) as projects, (select count(*)::int from messages) as messages,
        (select count(*)::int from messages where status = 'draft') as drafts,
        (select count(*)::int from messages where status in ('failed', 'bounced')) as problems`),
    );
    if (!counts?.projects) throw new Error('no data: run `npm run seed:load` against this database first');
    // A RAC with orders, and one of its orders, picked from the data rather than assumed.
    const [sample] = rowsOf<{ ref: string; rac: string; agency: string; tracking: string }>(
      await db.execute(sql`select ref, rac_id as rac, agency, tracking_number as tracking from projects
        order by ref offset ${Math.floor(counts.projects / 2)} limit 1`),
    );
    if (!sample) throw new Error('no order to sample');
    const rac: Caller = { ...admin, name: 'bench rac', role: 'rac', agency: sample.agency, racId: sample.rac };
    const projects = (query: Record<string, string>, caller: Caller) => (on: Db) =>
      createProjectList({ db: on, now: () => new Date() })(projectListQuerySchema.parse(query), caller);
    const messages = (query: Record<string, string>, caller: Caller) => (on: Db) =>
      createMessageList({ db: on })(messageListQuerySchema.parse(query), caller);
    const visits = (query: Record<string, string>, caller: Caller) => (on: Db) =>
      createInterventionList({ db: on })(interventionListQuerySchema.parse(query), caller);
    const monday = DateTime.now().setZone('Europe/Paris').startOf('week');
    const week = { from: monday.toISODate() ?? '', to: monday.plus({ days: 6 }).toISODate() ?? '' };
    const today = DateTime.now().setZone('Europe/Paris').toISODate() ?? '';
    const client = sample.ref.replace(/^\D+0*/, '');
    const agencyManager = manager(sample.agency);
    // The fifth page of the agency's orders: the cursor is read once, the page is measured.
    let cursor: string | null = null;
    for (let i = 0; i < 4; i++) cursor = (await projects(cursor ? { cursor } : {}, agencyManager)(db)).nextCursor;
    const fifthPage = projects(cursor ? { cursor } : {}, agencyManager);

    const cases: Case[] = [
      ['RAC · drafts to review (status=draft&rac=me)', messages({ status: 'draft', rac: 'me' }, rac)],
      ['RAC · problems (problem=true)', messages({ problem: 'true' }, rac)],
      [
        'RAC · drafts due first (status=draft&rac=me&sort=sendAt)',
        messages({ status: 'draft', rac: 'me', sort: 'sendAt' }, rac),
      ],
      ['RAC · my orders (rac=me)', projects({ rac: 'me' }, rac)],
      ['RAC · my late orders by deadline', projects({ rac: 'me', deadline: 'late', sort: 'deadline' }, rac)],
      ['manager · agency orders, first page', projects({}, agencyManager)],
      ['manager · agency orders, fifth page (by its cursor)', fifthPage],
      ['manager · agency · q=order number', projects({ q: sample.ref }, agencyManager)],
      ['manager · agency · q=client name', projects({ q: `Client ${client}` }, agencyManager)],
      ['manager · agency · late orders', projects({ deadline: 'late' }, agencyManager)],
      ['manager · agency · open orders by deadline', projects({ state: 'open', sort: 'deadline' }, agencyManager)],
      ['manager · agency · drafts', messages({ status: 'draft' }, agencyManager)],
      ['manager · agency · problems', messages({ problem: 'true' }, agencyManager)],
      ['manager · agency · one order’s messages', messages({ projectRef: sample.ref }, agencyManager)],
      ['planner · agency · visits of this week', visits(week, planner(sample.agency))],
      ['RAC · visits of this week (rac=me)', visits({ ...week, rac: 'me' }, rac)],
      ['admin · national · visits of today', visits({ from: today, to: today }, admin)],
      ['admin · national · q=order number', projects({ q: sample.ref }, admin)],
      ['admin · national · q=tracking number', projects({ q: sample.tracking }, admin)],
      ['admin · national · orders, first page', projects({}, admin)],
      ['admin · national · problems', messages({ problem: 'true' }, admin)],
      ['admin · national · scheduled, next due first', messages({ status: 'scheduled', sort: 'sendAt' }, admin)],
    ];

    const floor = await measure(() => loadProject(db, sample.ref));
    const withIndexes = [];
    for (const [name, run] of cases) withIndexes.push({ name, ...(await measure(() => run(db))) });
    // The same queries without the lists' indexes, in a transaction that puts them back.
    const without: { p50: number; p95: number }[] = [];
    await db
      .transaction(async (tx) => {
        for (const index of LIST_INDEXES) await tx.execute(sql`drop index if exists ${sql.identifier(index)}`);
        for (const [, run] of cases) without.push(await measure(() => run(tx as unknown as Db), 10));
        throw new Error('rollback');
      })
      .catch((error: unknown) => {
        if (!(error instanceof Error) || error.message !== 'rollback') throw error;
      });

    const lines = [
      `PostgreSQL (${database.kind}), ${counts.projects.toLocaleString('en')} orders, ${counts.messages.toLocaleString('en')} messages ` +
        `(${counts.drafts.toLocaleString('en')} drafts, ${counts.problems.toLocaleString('en')} failed or bounced); ` +
        `${ITERATIONS} runs per query after ${WARMUP} warm-up runs (10 without the list indexes). RAC ${sample.rac} of ${sample.agency}.`,
      '',
      `Baseline, one order read by its number: p50 ${floor.p50.toFixed(1)} ms, p95 ${floor.p95.toFixed(1)} ms.`,
      '',
      '| query | p50 (ms) | p95 (ms) | p50 without list indexes (ms) |',
      '| --- | ---: | ---: | ---: |',
    ];
    withIndexes.forEach(({ name, p50, p95 }, i) => {
      lines.push(`| ${name} | ${p50.toFixed(1)} | ${p95.toFixed(1)} | ${without[i]?.p50.toFixed(1) ?? '?'} |`);
    });
    return lines.join('\n');
  } finally {
    await database.close();
  }
}
