import { z } from 'zod';
import { isInstantWithOffset } from '../lib/iso.js';
import { ref, text } from '../projects/fields.js';

const isoWithOffset = z
  .string()
  .refine(isInstantWithOffset, 'expected an ISO date-time with its offset, e.g. 2026-05-12T08:00:00+02:00');

/** A technician visit as planning tools send it; the window is read in Europe/Paris time. */
export const interventionInputSchema = z.strictObject({
  siteRef: ref,
  kind: z.enum(['access', 'service'], { error: 'expected access or service (always separate visits)' }),
  windowStart: isoWithOffset,
  windowEnd: isoWithOffset,
  contactId: ref.optional(),
  notes: text(1000).optional(),
});
export type InterventionInput = z.output<typeof interventionInputSchema>;

/** A visit as the API shows it, with the messages it owns (its notice, its day's reminder…). */
export const interventionSchema = z.object({
  id: z.string(),
  projectRef: z.string(),
  siteRef: z.string(),
  kind: z.enum(['access', 'service']),
  windowStart: z.string(),
  windowEnd: z.string(),
  contactId: z.string(),
  notes: z.string().optional(),
  status: z.enum(['booked', 'cancelled']),
  reminders: z.array(
    z.object({
      template: z.string(),
      messageId: z.string().optional(),
      status: z.string().optional(),
      sendAt: z.string().optional(),
      segments: z.number().optional(),
      warnings: z.array(z.string()).optional(),
      skipped: z.string().optional(),
      message: z.string().optional(),
    }),
  ),
  updatedAt: z.string(),
});
export const interventionListSchema = z.object({ items: z.array(interventionSchema) });
