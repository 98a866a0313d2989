import { type SQL, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db } from '../db/client.js';
import { listScope } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import { decodeCursor, encodeCursor } from '../lib/cursor.js';
import type { Agenda, AgendaItem, InterventionListQuery } from './list-schema.js';
import { paris } from './view.js';

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;
const ZONE = 'Europe/Paris';
// The one order an agenda is read in: earliest window first.
const SORT = 'start';

interface Row {
  project_ref: string;
  id: string;
  site_ref: string;
  kind: 'access' | 'service';
  window_start: string;
  window_end: string;
  contact_id: string;
  notes: string | null;
  status: 'booked' | 'cancelled';
  updated_at: string;
  order_number: string;
  agency: string;
  rac_id: string;
  rac_name: string;
  client_company: string;
  site_name: string | null;
  site_city: string | null;
  contact_name: string | null;
}

interface ReminderRow {
  project_ref: string;
  intervention_id: string;
  id: string;
  template_key: string;
  status: string;
  send_at: string;
  channel: string;
  sms_segments: number | null;
  warnings: string[];
}

const dayStart = (day: string) => DateTime.fromISO(day, { zone: ZONE }).startOf('day');
// Refs never hold a space: the cursor's one id is the order's ref and the visit's id.
const cursorId = (row: { project_ref: string; id: string }) => `${row.project_ref} ${row.id}`;

/**
 * The visit list: the visits of the orders the caller may see (a RAC its own orders, others
 * their agency, `*` every one), earliest window first, one page at a time by keyset (window
 * start, order, visit). A day range is read by the index on window_start, then kept to the
 * scope through the order; the messages each visit owns are read for the page's visits only.
 */
export function createInterventionList({ db }: { db: Db }) {
  return async function list(query: InterventionListQuery, caller: Caller): Promise<Agenda> {
    const scope = listScope(caller, query);
    const where: SQL[] = [];
    if (scope.agency) where.push(sql`p.agency = ${scope.agency}`);
    if (scope.racId) where.push(sql`p.rac_id = ${scope.racId}`);
    if (query.from) where.push(sql`i.window_start >= ${dayStart(query.from).toISO()}::timestamptz`);
    if (query.to) where.push(sql`i.window_start < ${dayStart(query.to).plus({ days: 1 }).toISO()}::timestamptz`);
    if (query.status) where.push(sql`i.status = ${query.status}`);
    if (query.cursor) {
      const after = decodeCursor(query.cursor, SORT);
      const [ref = '', id = ''] = after.id.split(' ');
      where.push(sql`(i.window_start, i.project_ref, i.id) > (${after.value}::timestamptz, ${ref}, ${id})`);
    }
    const rows = rowsOf<Row>(
      await db.execute(sql`
        select i.project_ref, i.id, i.site_ref, i.kind, to_json(i.window_start) #>> '{}' as window_start,
          to_json(i.window_end) #>> '{}' as window_end, i.contact_id, i.notes, i.status,
          to_json(i.updated_at) #>> '{}' as updated_at, p.order_number, p.agency, p.rac_id,
          coalesce(r.display_name, p.rac_first_name || ' ' || p.rac_last_name) as rac_name, p.client_company,
          s.name as site_name, s.city as site_city,
          case when c.erased_at is null then concat_ws(' ', c.civility, c.first_name, c.last_name) end as contact_name
        from interventions i join projects p on p.ref = i.project_ref
          left join sites s on s.project_ref = i.project_ref and s.ref = i.site_ref
          left join contacts c on c.project_ref = i.project_ref and c.id = i.contact_id
          left join rac_profiles r on r.id = p.rac_id
        ${where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``}
        order by i.window_start, i.project_ref, i.id
        limit ${query.limit + 1}`),
    );
    const page = rows.slice(0, query.limit);
    const owned =
      page.length === 0
        ? []
        : rowsOf<ReminderRow>(
            await db.execute(sql`
              select m.project_ref, m.intervention_id, m.id, m.template_key, m.status, m.channel, m.sms_segments,
                m.warnings, to_json(m.send_at) #>> '{}' as send_at
              from messages m
              where (m.project_ref, m.intervention_id) in (${sql.join(
                page.map((row) => sql`(${row.project_ref}, ${row.id})`),
                sql`, `,
              )})
              order by m.created_at`),
          );
    const last = page.at(-1);
    return {
      items: page.map((row) => itemOf(row, owned)),
      nextCursor: rows.length > query.limit && last ? encodeCursor(SORT, last.window_start, cursorId(last)) : null,
    };
  };
}
export type InterventionListing = ReturnType<typeof createInterventionList>;

function itemOf(row: Row, owned: ReminderRow[]): AgendaItem {
  const reminders = owned
    .filter((m) => m.project_ref === row.project_ref && m.intervention_id === row.id)
    .map((m) => ({
      template: m.template_key,
      messageId: m.id,
      status: m.status,
      sendAt: new Date(m.send_at).toISOString(),
      ...(m.channel === 'sms' && m.sms_segments ? { segments: m.sms_segments } : {}),
      ...(m.warnings.length > 0 ? { warnings: m.warnings } : {}),
    }));
  return {
    id: row.id,
    projectRef: row.project_ref,
    siteRef: row.site_ref,
    kind: row.kind,
    windowStart: paris(new Date(row.window_start)),
    windowEnd: paris(new Date(row.window_end)),
    contactId: row.contact_id,
    ...(row.notes ? { notes: row.notes } : {}),
    status: row.status,
    reminders,
    updatedAt: new Date(row.updated_at).toISOString(),
    orderNumber: row.order_number,
    agency: row.agency,
    rac: { id: row.rac_id, displayName: row.rac_name },
    client: { company: row.client_company },
    site: row.site_name === null || row.site_city === null ? null : { name: row.site_name, city: row.site_city },
    contact: row.contact_name ? { name: row.contact_name } : null,
  };
}
