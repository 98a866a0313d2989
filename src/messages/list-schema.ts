import { DateTime } from 'luxon';
import { z } from 'zod';
import { cursorParam, limitParam } from '../lib/cursor.js';
import { isInstantWithOffset } from '../lib/iso.js';
import { ref } from '../projects/fields.js';
import { agencyFilter, racFilter } from '../projects/list-schema.js';
import { MESSAGE_STATUSES, type MessageStatus } from './lifecycle.js';

/** The message list (`GET /v1/messages`): its query string and its answer, for the API and the console. */

const ZONE = 'Europe/Paris';

/** A date (its start, Europe/Paris) or an instant with its offset. */
const moment = z
  .string()
  .refine(
    (value) =>
      /^\d{4}-\d{2}-\d{2}$/.test(value) ? DateTime.fromISO(value, { zone: ZONE }).isValid : isInstantWithOffset(value),
    'a date (YYYY-MM-DD) or a date-time with its offset (2026-03-02T10:00:00+01:00)',
  )
  .transform((value) =>
    (/^\d{4}-\d{2}-\d{2}$/.test(value)
      ? DateTime.fromISO(value, { zone: ZONE })
      : DateTime.fromISO(value, { setZone: true })
    ).toJSDate(),
  );

const statuses = z
  .string()
  .transform((value, ctx) => {
    const list = value.split(',').map((s) => s.trim());
    const unknown = list.filter((s) => !(MESSAGE_STATUSES as readonly string[]).includes(s));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown status ${unknown.join(', ')}; expected one or more of ${MESSAGE_STATUSES.join(', ')}`,
      });
      return z.NEVER;
    }
    return list as MessageStatus[];
  })
  .describe('one status or several separated by commas, e.g. draft or failed,bounced');

export const MESSAGE_SORTS = ['updated', '-updated', 'sendAt', '-sendAt', 'created', '-created'] as const;

export const messageListQuerySchema = z.strictObject({
  status: statuses.optional(),
  problem: z
    .enum(['true', 'false'], { error: 'true or false' })
    .transform((value) => value === 'true')
    .optional()
    .describe('true: only what did not reach the client (failed, bounced)'),
  template: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,49}$/, 'a template key such as accuse-reception')
    .optional(),
  channel: z.enum(['email', 'sms'], { error: 'email or sms' }).optional(),
  rac: racFilter,
  agency: agencyFilter,
  projectRef: ref.optional(),
  dueAfter: moment.optional().describe('sendAt on or after; a date means from its start (Europe/Paris)'),
  dueBefore: moment.optional().describe('sendAt before; a date means before its start (Europe/Paris)'),
  sort: z
    .enum(MESSAGE_SORTS, { error: `one of ${MESSAGE_SORTS.join(', ')}` })
    .default('-updated')
    .describe('"-" for descending'),
  cursor: cursorParam,
  limit: limitParam,
});
export type MessageListQuery = z.output<typeof messageListQuerySchema>;

export const messageSummarySchema = z.object({
  id: z.string(),
  projectRef: z.string(),
  orderNumber: z.string(),
  agency: z.string(),
  rac: z.object({ id: z.string() }),
  template: z.string(),
  channel: z.enum(['email', 'sms']),
  status: z.enum(MESSAGE_STATUSES),
  revision: z.number().int(),
  subject: z.string().nullable(),
  recipientCount: z.number().int().describe('addresses in To and Cc'),
  sendAt: z.string().describe('when it goes, or went'),
  renderedAt: z.string().nullable().describe('when its content was last rendered'),
  problem: z
    .object({ status: z.enum(['failed', 'bounced']), reason: z.string().nullable() })
    .nullable()
    .describe('set when it did not reach the client'),
  origin: z.string(),
  interventionId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type MessageSummary = z.output<typeof messageSummarySchema>;

export const messageListSchema = z.object({
  items: z.array(messageSummarySchema),
  nextCursor: z.string().nullable(),
});
export type MessageList = z.output<typeof messageListSchema>;
