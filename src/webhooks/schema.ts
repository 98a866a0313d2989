import { z } from 'zod';
import { EVENT_PATTERNS } from './events.js';

const url = z
  .string()
  .max(2000, 'at most 2000 characters')
  .refine((value) => {
    try {
      const parsed = new URL(value);
      return ['http:', 'https:'].includes(parsed.protocol);
    } catch {
      return false;
    }
  }, 'expected an http:// or https:// URL')
  .refine((value) => {
    try {
      const parsed = new URL(value);
      return !parsed.username && !parsed.password;
    } catch {
      return true;
    }
  }, 'credentials do not belong in the URL: the signature authenticates Jalon');

const events = z
  .array(z.enum(EVENT_PATTERNS as [string, ...string[]], { error: `expected one of ${EVENT_PATTERNS.join(', ')}` }))
  .min(1, 'at least one event type (or message.*, or *)')
  .max(50, 'at most 50 entries');

const agency = z.string().regex(/^(\*|[A-Z0-9]{2,10})$/, 'an agency code in capitals, or * for every agency');
const description = z.string().trim().max(200, 'at most 200 characters');
const alertEmail = z.email('an email address').max(254);

export const endpointInputSchema = z.strictObject({
  url,
  events,
  /** Absent: the caller's own agency (a national key must name one, or `*`). */
  agency: agency.optional(),
  description: description.optional(),
  alertEmail: alertEmail.optional(),
});
export type EndpointInput = z.output<typeof endpointInputSchema>;

export const endpointPatchSchema = z.strictObject({
  url: url.optional(),
  events: events.optional(),
  agency: agency.optional(),
  description: description.nullable().optional(),
  alertEmail: alertEmail.nullable().optional(),
  /** `true` brings a disabled endpoint back (its failures forgotten); `false` pauses it. */
  enabled: z.boolean().optional(),
});
export type EndpointPatch = z.output<typeof endpointPatchSchema>;

export const deliveriesQuerySchema = z.object({
  status: z.enum(['pending', 'succeeded', 'failed', 'skipped']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type DeliveriesQuery = z.output<typeof deliveriesQuerySchema>;
