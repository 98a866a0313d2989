import { DateTime } from 'luxon';
import { isInstantWithOffset } from '../lib/iso.js';
import { z } from 'zod';

/** The timeline's query string, and how one stored event is shown. */

const ZONE = 'Europe/Paris';

/** A date (a whole day in Europe/Paris) or an instant with its offset. */
const moment = z
  .string()
  .refine(
    (value) =>
      /^\d{4}-\d{2}-\d{2}$/.test(value) ? DateTime.fromISO(value, { zone: ZONE }).isValid : isInstantWithOffset(value),
    'a date (YYYY-MM-DD) or a date-time with its offset (2026-03-02T10:00:00+01:00)',
  );

export const timelineQuerySchema = z.strictObject({
  type: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]+)*(\.\*)?(,[a-z_]+(\.[a-z_]+)*(\.\*)?)*$/, 'comma-separated event types or prefixes')
    .optional()
    .describe('e.g. "message" (every message.* event), "message.sent,message.failed", "intervention.*"'),
  channel: z.enum(['email', 'sms']).optional(),
  template: z
    .string()
    .regex(/^[a-z0-9-]{1,60}$/, 'a template key')
    .optional(),
  from: moment.optional().describe('inclusive; a date means from its start (Europe/Paris)'),
  to: moment.optional().describe('exclusive; a date means up to the end of that day (Europe/Paris)'),
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'the nextCursor of the previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  order: z.enum(['asc', 'desc']).default('asc'),
  include: z.enum(['content']).optional().describe('content: each message event carries the exact content sent'),
});
export type TimelineQuery = z.output<typeof timelineQuerySchema>;

/** Exact types match themselves and their sub-types ("message" covers "message.sent"); "x.*" is a prefix. */
export function typeMatchers(type: string | undefined): { exact: string[]; prefixes: string[] } {
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const part of type?.split(',') ?? []) {
    if (part.endsWith('.*')) prefixes.push(part.slice(0, -1));
    else {
      exact.push(part);
      prefixes.push(`${part}.`);
    }
  }
  return { exact, prefixes };
}

export function periodBounds(from: string | undefined, to: string | undefined): { from?: Date; to?: Date } {
  const day = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);
  const start = (value: string) =>
    day(value) ? DateTime.fromISO(value, { zone: ZONE }).startOf('day') : DateTime.fromISO(value, { setZone: true });
  return {
    ...(from ? { from: start(from).toJSDate() } : {}),
    ...(to ? { to: (day(to) ? start(to).plus({ days: 1 }) : start(to)).toJSDate() } : {}),
  };
}

export interface EventRow {
  id: number;
  type: string;
  at: Date;
  actor: string | null;
  data: Record<string, unknown>;
  message: {
    id: string;
    templateKey: string;
    channel: 'email' | 'sms';
    status: string;
    to: { address: string; name?: string; contactId?: string }[];
    cc: { address: string; name?: string; contactId?: string }[];
    subject: string | null;
    html?: string | null;
    text?: string | null;
    smsBody?: string | null;
    smsEncoding?: string | null;
    smsSegments?: number | null;
    calendar?: { method: string; filename: string; content: string } | null;
    purgedAt: Date | null;
  } | null;
}

const str = (value: unknown) => (typeof value === 'string' ? value : null);

/** One line of the timeline: who did what, to whom, through which channel, and where the message is. */
export function eventView(row: EventRow, withContent: boolean) {
  const { onBehalfOf, ...data } = row.data;
  const m = row.message;
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    type: row.type,
    actor: row.actor,
    onBehalfOf: str(onBehalfOf),
    channel: m?.channel ?? str(data.channel),
    template: m?.templateKey ?? str(data.template),
    status: str(data.status),
    recipients: m ? { to: m.to, cc: m.cc } : null,
    message: m
      ? {
          id: m.id,
          href: `/v1/messages/${m.id}`,
          status: m.status,
          ...(m.channel === 'email' ? { subject: m.subject } : {}),
          purgedAt: m.purgedAt?.toISOString() ?? null,
          ...(withContent
            ? {
                content:
                  m.channel === 'email'
                    ? {
                        subject: m.subject,
                        html: m.html ?? null,
                        text: m.text ?? null,
                        ...(m.calendar ? { calendar: m.calendar } : {}),
                      }
                    : { body: m.smsBody ?? null, encoding: m.smsEncoding ?? null, segments: m.smsSegments ?? null },
              }
            : {}),
        }
      : null,
    data,
  };
}
export type EventView = ReturnType<typeof eventView>;
