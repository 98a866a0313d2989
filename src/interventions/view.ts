import { DateTime } from 'luxon';
import type { interventions } from '../db/schema.js';

type Row = typeof interventions.$inferSelect;

/** An instant as Europe/Paris wall-clock time with its offset, as planners read it. */
export const paris = (date: Date) => DateTime.fromJSDate(date, { zone: 'Europe/Paris' }).toISO() ?? date.toISOString();

/** The API shape of a visit, with what its reminders became. */
export function interventionView<T>(row: Row, reminders: T[]) {
  return {
    id: row.id,
    projectRef: row.projectRef,
    siteRef: row.siteRef,
    kind: row.kind,
    windowStart: paris(row.windowStart),
    windowEnd: paris(row.windowEnd),
    contactId: row.contactId,
    ...(row.notes ? { notes: row.notes } : {}),
    status: row.status,
    reminders,
    updatedAt: row.updatedAt.toISOString(),
  };
}
