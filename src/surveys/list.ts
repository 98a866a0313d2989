import { type SQL, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { invalid } from '../errors.js';
import type { Caller } from '../keys/service.js';
import { ref } from '../projects/fields.js';
import { BOM, csvField } from '../stats/csv.js';
import { resolvePeriod } from '../stats/params.js';
import { ZONE } from '../stats/aggregates.js';
import { scopeAgency } from '../stats/service.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

export const surveyListQuery = z.strictObject({
  from: day.optional().describe('first day of answer, inclusive (default: the first day of the month, 11 months ago)'),
  to: day.optional().describe('last day of answer, inclusive (default: today, Europe/Paris)'),
  agency: z
    .string()
    .regex(/^[A-Z0-9]{2,10}$/, 'an agency code in capitals')
    .optional(),
  rac: ref.optional(),
  rating: z.coerce.number().int().min(1).max(5).optional().describe('only this rating'),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  format: z.enum(['json', 'csv']).optional().describe('csv: ";" separated, UTF-8 with BOM'),
});
export type SurveyListQuery = z.output<typeof surveyListQuery>;

export interface SurveyAnswer {
  id: string;
  projectRef: string;
  orderNumber: string;
  company: string;
  agency: string;
  racId: string;
  contactId: string;
  sentAt: string;
  rating: number;
  comment: string | null;
  answeredAt: string;
  changedAt: string;
}

export interface SurveyList {
  from: string;
  to: string;
  agency: string | null;
  items: SurveyAnswer[];
  /** More answers matched than `limit`: narrow the period. */
  truncated: boolean;
}

interface Raw {
  project_ref: string;
  order_number: string;
  company: string;
  agency: string;
  rac_id: string;
  contact_id: string;
  sent_at: string | Date;
  rating: number;
  comment: string | null;
  answered_at: string | Date;
  changed_at: string | Date;
}

const iso = (value: string | Date) => new Date(value).toISOString();

/** The answers, newest change first, for managers (their agency) and admins. */
export async function listSurveyAnswers(
  db: Db,
  query: SurveyListQuery,
  caller: Caller,
  now: Date,
): Promise<SurveyList> {
  const agency = scopeAgency(caller, query.agency);
  const period = resolvePeriod({ ...query, groupBy: [] }, now);
  if (typeof period === 'string') throw invalid([{ path: 'querystring.from', message: period }]);
  const start = DateTime.fromISO(period.from, { zone: ZONE }).toJSDate().toISOString();
  const end = DateTime.fromISO(period.to, { zone: ZONE }).plus({ days: 1 }).toJSDate().toISOString();
  const conditions: SQL[] = [
    sql`s.rating is not null`,
    sql`s.answered_at >= ${start}::timestamptz and s.answered_at < ${end}::timestamptz`,
  ];
  if (agency) conditions.push(sql`s.agency = ${agency}`);
  if (query.rac) conditions.push(sql`s.rac_id = ${query.rac}`);
  if (query.rating) conditions.push(sql`s.rating = ${query.rating}`);
  const result = await db.execute(sql`
    select s.project_ref, p.order_number, p.client_company as company, s.agency, s.rac_id, s.contact_id,
      s.sent_at, s.rating::int as rating, s.comment, s.answered_at, s.changed_at
    from surveys s join projects p on p.ref = s.project_ref
    where ${sql.join(conditions, sql` and `)}
    order by s.changed_at desc, s.project_ref, s.contact_id
    limit ${query.limit + 1}`);
  const rows = (result as { rows: Raw[] }).rows;
  return {
    from: period.from,
    to: period.to,
    agency: agency ?? null,
    truncated: rows.length > query.limit,
    items: rows.slice(0, query.limit).map((row) => ({
      id: `${row.project_ref}/${row.contact_id}`,
      projectRef: row.project_ref,
      orderNumber: row.order_number,
      company: row.company,
      agency: row.agency,
      racId: row.rac_id,
      contactId: row.contact_id,
      sentAt: iso(row.sent_at),
      rating: Number(row.rating),
      comment: row.comment,
      answeredAt: iso(row.answered_at),
      changedAt: iso(row.changed_at),
    })),
  };
}

const paris = (value: string) => DateTime.fromISO(value, { zone: ZONE }).toFormat('dd/MM/yyyy HH:mm');

/** The answers as a French spreadsheet file, as the usage report: ";", BOM, CRLF, French headings. */
export function surveyCsv(list: SurveyList): string {
  const line = (cells: (string | number | null)[]) => cells.map(csvField).join(';');
  const lines = [
    line([
      'Commande',
      'Client',
      'Agence',
      'RAC',
      'Contact',
      'Envoyé le',
      'Note',
      'Commentaire',
      'Répondu le',
      'Modifié le',
    ]),
    ...list.items.map((a) =>
      line([
        a.orderNumber,
        a.company,
        a.agency,
        a.racId,
        a.contactId,
        paris(a.sentAt),
        a.rating,
        a.comment,
        paris(a.answeredAt),
        paris(a.changedAt),
      ]),
    ),
  ];
  return `${BOM}${lines.join('\r\n')}\r\n`;
}
