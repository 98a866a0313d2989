import { DateTime } from 'luxon';
import { isInstantWithOffset } from '../lib/iso.js';
import { z } from 'zod';
import { ref } from '../projects/fields.js';
import { email, mobile } from '../projects/fields.js';

/** A recipient: one of the order's contacts, or an explicit address. */
export const recipientRefSchema = z.union([
  z.strictObject({ contactId: ref }),
  z.strictObject({ email, name: z.string().trim().min(1).max(120).optional() }),
  z.strictObject({ mobile, name: z.string().trim().min(1).max(120).optional() }),
]);
export type RecipientRef = z.output<typeof recipientRefSchema>;

/** An instant with an explicit offset; parsed here so that "in the past" can be judged. */
export const instant = z
  .string()
  .refine(isInstantWithOffset, 'expected an ISO 8601 date-time with an offset, e.g. 2026-05-12T09:00:00+02:00')
  .transform((value) => DateTime.fromISO(value, { setZone: true }).toJSDate());

const blocksSchema = z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,39}$/, 'a block name'), z.string().max(20_000));

export const createMessageSchema = z.strictObject({
  projectRef: ref,
  template: z.string().regex(/^[a-z][a-z0-9-]{0,49}$/, 'a template key such as accuse-reception'),
  recipients: z
    .strictObject({
      to: z.array(recipientRefSchema).min(1, 'at least one recipient').max(50).optional(),
      cc: z.array(recipientRefSchema).max(50).optional(),
    })
    .optional(),
  blocks: blocksSchema.optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  sendAt: instant.optional(),
  draft: z.boolean().optional(),
  transliterate: z.boolean().optional(),
});
export type CreateMessage = z.output<typeof createMessageSchema>;

export const patchMessageSchema = z
  .strictObject({
    sendAt: instant.optional(),
    blocks: blocksSchema.optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'give sendAt, blocks or data to change');
export type PatchMessage = z.output<typeof patchMessageSchema>;
