import { type SQL, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db } from '../db/client.js';
import { decodeCursor, encodeCursor } from '../lib/cursor.js';
import { listScope } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import { closed, lateOn, milestoneDates, nextDue } from './deadline-sql.js';
import { computeDeadlines, type Deadline } from './deadlines.js';
import type { ProjectList, ProjectListQuery, ProjectSort, ProjectSummary } from './list-schema.js';
import { containsPattern } from './search-text.js';
import { MILESTONE_CODES, type Milestones } from './schema.js';

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

/** What each sort orders by, as SQL and as the type its cursor value is read back as. */
const SORT_KEYS: Record<string, { expr: SQL; type: SQL }> = {
  updated: { expr: sql`p.updated_at`, type: sql`timestamptz` },
  orderNumber: { expr: sql`p.order_number`, type: sql`text` },
  received: { expr: sql`p.received_at`, type: sql`date` },
  deadline: { expr: nextDue, type: sql`date` },
};

interface Row {
  ref: string;
  order_number: string;
  tracking_number: string;
  label: string;
  client_company: string;
  agency: string;
  rac_id: string;
  rac_name: string;
  received_at: string;
  version: number;
  updated_at: string;
  site_count: number;
  sort_value: string;
  [milestone: `${string}.${'planned' | 'actual'}`]: string | null;
}

const brief = ({ due, actual, state }: Deadline) => ({ due, actual, state });

function summaryOf(row: Row, today: string): ProjectSummary {
  const milestones: Milestones = {};
  for (const code of MILESTONE_CODES) {
    const planned = row[`${code}.planned`];
    const actual = row[`${code}.actual`];
    if (planned || actual) milestones[code] = { ...(planned ? { planned } : {}), ...(actual ? { actual } : {}) };
  }
  const deadlines = computeDeadlines({ receivedAt: row.received_at, milestones }, today);
  return {
    ref: row.ref,
    orderNumber: row.order_number,
    trackingNumber: row.tracking_number,
    label: row.label,
    client: { company: row.client_company },
    agency: row.agency,
    rac: { id: row.rac_id, displayName: row.rac_name },
    receivedAt: row.received_at,
    siteCount: row.site_count,
    state: milestones.deploymentEnd?.actual ? 'closed' : 'open',
    deadlines: {
      clientContact: brief(deadlines.clientContact),
      rlp: brief(deadlines.rlp),
      rle: brief(deadlines.rle),
    },
    version: row.version,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/**
 * The order list: what the caller may see (a RAC its own orders, others their agency),
 * filtered, sorted, one page at a time. Pages are cut by keyset (sort value, then ref), which
 * the indexes on (agency | RAC, updated_at, ref) serve for the default order.
 */
export function createProjectList({ db, now }: { db: Db; now: () => Date }) {
  return async function list(query: ProjectListQuery, caller: Caller): Promise<ProjectList> {
    const today = DateTime.fromJSDate(now(), { zone: 'Europe/Paris' }).toISODate() ?? '';
    const scope = listScope(caller, query);
    const descending = query.sort.startsWith('-');
    const sortName = query.sort.replace(/^-/, '') as Exclude<ProjectSort, `-${string}`>;
    const key = SORT_KEYS[sortName] ?? SORT_KEYS.updated!;
    const where: SQL[] = [];
    if (scope.agency) where.push(sql`p.agency = ${scope.agency}`);
    if (scope.racId) where.push(sql`p.rac_id = ${scope.racId}`);
    if (query.q) where.push(sql`p.search_text like ${containsPattern(query.q)}`);
    if (query.state) where.push(query.state === 'closed' ? closed : sql`not ${closed}`);
    if (query.deadline === 'late') where.push(lateOn(today));
    if (query.cursor) {
      const after = decodeCursor(query.cursor, query.sort);
      const bound = sql`(${after.value}::${key.type}, ${after.id})`;
      where.push(descending ? sql`(${key.expr}, p.ref) < ${bound}` : sql`(${key.expr}, p.ref) > ${bound}`);
    }
    const direction = sql.raw(descending ? 'desc' : 'asc');
    // The page is chosen from the orders' own columns; what only its rows need (milestones,
    // site count, profile) is read for those rows alone.
    const rows = rowsOf<Row>(
      await db.execute(sql`
        with page as (
          select p.ref, ${key.expr} as sort_key from projects p
          ${where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``}
          order by ${key.expr} ${direction}, p.ref ${direction}
          limit ${query.limit + 1})
        select p.ref, p.order_number, p.tracking_number, p.label, p.client_company, p.agency, p.rac_id,
          coalesce(r.display_name, p.rac_first_name || ' ' || p.rac_last_name) as rac_name,
          p.received_at::text as received_at, p.version, to_json(p.updated_at) #>> '{}' as updated_at,
          (select count(*)::int from sites s where s.project_ref = p.ref) as site_count,
          to_json(page.sort_key) #>> '{}' as sort_value, ms.*
        from page join projects p on p.ref = page.ref
          cross join lateral ${milestoneDates} ms
          left join rac_profiles r on r.id = p.rac_id
        order by page.sort_key ${direction}, p.ref ${direction}`),
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => summaryOf(row, today)),
      nextCursor: rows.length > query.limit && last ? encodeCursor(query.sort, last.sort_value, last.ref) : null,
    };
  };
}
export type ProjectListing = ReturnType<typeof createProjectList>;
