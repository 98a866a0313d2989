import { DateTime } from 'luxon';
import { z } from 'zod';
import { cursorParam, limitParam } from '../lib/cursor.js';
import { agencyFilter, racFilter } from '../projects/list-schema.js';
import { interventionSchema } from './schema.js';

/** The visit list (`GET /v1/interventions`): its query string and its answer, for the API and the console. */

const ZONE = 'Europe/Paris';

/** A calendar day, read in Europe/Paris. */
const day = z
  .string()
  .refine(
    (value) => /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value, { zone: ZONE }).isValid,
    'a date (YYYY-MM-DD)',
  );

export const INTERVENTION_STATUSES = ['booked', 'cancelled'] as const;

export const interventionListQuerySchema = z
  .strictObject({
    agency: agencyFilter,
    rac: racFilter,
    from: day.optional().describe('visits whose window starts on or after this day (Europe/Paris)'),
    to: day.optional().describe('visits whose window starts on or before this day (Europe/Paris)'),
    status: z
      .enum(INTERVENTION_STATUSES, { error: `one of ${INTERVENTION_STATUSES.join(', ')}` })
      .optional()
      .describe('booked or cancelled; both when absent'),
    cursor: cursorParam,
    limit: limitParam,
  })
  .refine((query) => !query.from || !query.to || query.from <= query.to, {
    path: ['to'],
    message: 'must be on or after from',
  });
export type InterventionListQuery = z.output<typeof interventionListQuerySchema>;

/** A visit as an agenda shows it: the visit, and what a planner reads of its order without opening it. */
export const agendaItemSchema = interventionSchema.extend({
  orderNumber: z.string(),
  agency: z.string(),
  rac: z.object({ id: z.string(), displayName: z.string() }),
  client: z.object({ company: z.string() }),
  site: z.object({ name: z.string(), city: z.string() }).nullable().describe('null when the site left the order'),
  contact: z.object({ name: z.string() }).nullable().describe('null when the contact left the order or was erased'),
});
export type AgendaItem = z.output<typeof agendaItemSchema>;

export const agendaSchema = z.object({
  items: z.array(agendaItemSchema),
  nextCursor: z.string().nullable(),
});
export type Agenda = z.output<typeof agendaSchema>;
