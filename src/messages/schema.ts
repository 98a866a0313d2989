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
  /** For a milestone mail: cancel the pending one of the order (a prepared draft) in the same step. */
  replaceDraft: z.boolean().optional(),
});
export type CreateMessage = z.output<typeof createMessageSchema>;

/** The revision a change was based on: the `If-Match` header, or this field. */
export const revision = z.number().int().min(1);

export const patchMessageSchema = z
  .strictObject({
    sendAt: instant.optional(),
    blocks: blocksSchema.optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    revision: revision.optional(),
  })
  .refine((value) => Object.keys(value).some((key) => key !== 'revision'), 'give sendAt, blocks or data to change');

export const BULK_MAX = 500;
export const bulkSchema = z
  .strictObject({
    action: z.enum(['send', 'schedule', 'cancel'], { error: 'expected send, schedule or cancel' }),
    sendAt: instant.optional(),
    reason: z.string().trim().max(500).optional(),
    items: z
      .array(z.strictObject({ id: z.uuid({ error: 'a message id (UUID)' }), revision }))
      .min(1, 'at least one message')
      .max(BULK_MAX, `at most ${BULK_MAX} messages per call`),
  })
  .superRefine((value, ctx) => {
    if (value.action === 'schedule' && !value.sendAt) {
      ctx.addIssue({ code: 'custom', path: ['sendAt'], message: 'required to schedule' });
    }
    const seen = new Set<string>();
    value.items.forEach((item, i) => {
      if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: ['items', i, 'id'], message: 'listed twice' });
      seen.add(item.id);
    });
  });
export type BulkInput = z.output<typeof bulkSchema>;
export type PatchMessage = z.output<typeof patchMessageSchema>;
