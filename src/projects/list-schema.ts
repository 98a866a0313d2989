import { z } from 'zod';
import { cursorParam, limitParam } from '../lib/cursor.js';

/** The order list (`GET /v1/projects`): its query string and its answer, for the API and the console. */

/** `me` (the RAC the caller acts as) or a RAC id. */
export const racFilter = z
  .string()
  .regex(/^(me|[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/, 'a RAC id, or me')
  .optional()
  .describe('a RAC id, or "me" for the RAC the caller acts as');
export const agencyFilter = z
  .string()
  .regex(/^[A-Z0-9]{2,10}$/, 'an agency code in capitals, 2 to 10 letters or digits')
  .optional();

export const PROJECT_SORTS = [
  'updated',
  '-updated',
  'orderNumber',
  '-orderNumber',
  'received',
  '-received',
  'deadline',
  '-deadline',
] as const;
export type ProjectSort = (typeof PROJECT_SORTS)[number];

export const projectListQuerySchema = z.strictObject({
  rac: racFilter,
  agency: agencyFilter,
  q: z
    .string()
    .trim()
    .min(1, 'at least one character')
    .max(100, 'at most 100 characters')
    .optional()
    .describe('order or tracking number, client, label or site city; any case, with or without accents'),
  state: z.enum(['open', 'closed'], { error: 'open or closed' }).optional().describe('closed: deployment ended'),
  deadline: z
    .enum(['late'], { error: 'late' })
    .optional()
    .describe('late: the welcome contact, the RLP or the RLE is late'),
  sort: z
    .enum(PROJECT_SORTS, { error: `one of ${PROJECT_SORTS.join(', ')}` })
    .default('-updated')
    .describe('"-" for descending; deadline: the nearest milestone still to hold first'),
  cursor: cursorParam,
  limit: limitParam,
});
export type ProjectListQuery = z.output<typeof projectListQuerySchema>;

const deadlineState = z.enum(['on_time', 'late', 'pending']);
const deadlineSummary = z.object({ due: z.string().nullable(), actual: z.string().nullable(), state: deadlineState });

export const projectSummarySchema = z.object({
  ref: z.string(),
  orderNumber: z.string(),
  trackingNumber: z.string(),
  label: z.string(),
  client: z.object({ company: z.string() }),
  agency: z.string(),
  rac: z.object({ id: z.string(), displayName: z.string() }),
  receivedAt: z.string(),
  siteCount: z.number().int(),
  state: z.enum(['open', 'closed']),
  deadlines: z.object({ clientContact: deadlineSummary, rlp: deadlineSummary, rle: deadlineSummary }),
  version: z.number().int(),
  updatedAt: z.string(),
});
export type ProjectSummary = z.output<typeof projectSummarySchema>;

export const projectListSchema = z.object({
  items: z.array(projectSummarySchema),
  nextCursor: z.string().nullable(),
});
export type ProjectList = z.output<typeof projectListSchema>;
