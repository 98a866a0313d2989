import { DateTime } from 'luxon';
import { z } from 'zod';
import { ref } from '../projects/fields.js';
import { ZONE } from './aggregates.js';

export const DIMENSIONS = ['month', 'week', 'agency', 'rac', 'template', 'channel', 'status'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
/** Order figures (deadlines, welcome mail) exist per month, week, agency and RAC, not per template or status. */
export const PROJECT_DIMENSIONS: readonly Dimension[] = ['month', 'week', 'agency', 'rac'];

const MAX_DAYS = 5 * 366;
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((value) => {
    return DateTime.fromISO(value, { zone: ZONE }).isValid;
  }, 'not a calendar date');

export const usageQuerySchema = z
  .strictObject({
    from: day.optional().describe('first day, inclusive (default: the first day of the month, 11 months ago)'),
    to: day.optional().describe('last day, inclusive (default: today, Europe/Paris)'),
    groupBy: z
      .string()
      .default('month')
      .transform((value, ctx) => {
        const parts = value
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean);
        const unknown = parts.filter((part) => !DIMENSIONS.includes(part as Dimension));
        if (unknown.length > 0) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown "${unknown.join(', ')}"; expected ${DIMENSIONS.join(', ')}`,
          });
          return z.NEVER;
        }
        return [...new Set(parts)] as Dimension[];
      })
      .describe(`comma-separated, any of ${DIMENSIONS.join(', ')}; empty for totals only`),
    agency: z
      .string()
      .regex(/^[A-Z0-9]{2,10}$/, 'an agency code in capitals')
      .optional(),
    rac: ref.optional(),
    template: z
      .string()
      .regex(/^[a-z0-9-]{1,60}$/, 'a template key')
      .optional(),
    channel: z.enum(['email', 'sms']).optional(),
    format: z.enum(['json', 'csv']).optional().describe('csv: ";" separated, UTF-8 with BOM, decimal comma'),
  })
  .superRefine((query, ctx) => {
    if (query.from && query.to && query.from > query.to) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `is after to (${query.to})` });
    }
  });
export type UsageQuery = z.output<typeof usageQuerySchema>;

export interface UsageFilters {
  from: string;
  to: string;
  today: string;
  groupBy: Dimension[];
  agency?: string | undefined;
  rac?: string | undefined;
  template?: string | undefined;
  channel?: 'email' | 'sms' | undefined;
}

/** The period, defaulting to the last twelve calendar months including the current one. */
export function resolvePeriod(query: UsageQuery, now: Date): { from: string; to: string; today: string } | string {
  const today = DateTime.fromJSDate(now, { zone: ZONE }).toISODate() ?? '';
  const to = query.to ?? today;
  const from =
    query.from ?? DateTime.fromISO(to, { zone: ZONE }).startOf('month').minus({ months: 11 }).toISODate() ?? to;
  if (from > to) return `from defaults to ${from}, after to`;
  const days = DateTime.fromISO(to).diff(DateTime.fromISO(from), 'days').days;
  if (days > MAX_DAYS) return `the period spans ${days} days; at most ${MAX_DAYS}`;
  return { from, to, today };
}
