import { z } from 'zod';

/** One queue per channel, so email and SMS workers scale and fail independently. */
export const QUEUE_NAMES = { email: 'email', sms: 'sms' } as const;
export type Channel = keyof typeof QUEUE_NAMES;

export const SEND_JOB = 'send';

/**
 * What an attempt learnt but could not record while the database was away: the provider
 * accepted the message (so the next attempt records it rather than sending), or nothing
 * reached the provider (so the next attempt may take the message over).
 */
export const jobMemoSchema = z.object({
  sent: z.object({ providerId: z.string().min(1).max(200) }).optional(),
  notSent: z.literal(true).optional(),
});
export type JobMemo = z.output<typeof jobMemoSchema>;

/**
 * The only payload a job carries: the message id (and an attempt's memo, ids only). Everything
 * else is re-read from the database, which also makes a job from an older deploy safe to process.
 */
export const sendJobSchema = z.object({ messageId: z.uuid(), memo: jobMemoSchema.optional() });
export type SendJob = z.output<typeof sendJobSchema>;

/** Outbound webhooks have a queue of their own: a slow receiver never delays a client's mail. */
export const WEBHOOK_QUEUE = 'webhooks';
export const WEBHOOK_JOB = 'deliver';
/** A delivery of one event to one endpoint; the body is re-read from the database. */
export const webhookJobSchema = z.object({ deliveryId: z.string().regex(/^msg_[0-9a-f]{32}$/) });
export type WebhookJob = z.output<typeof webhookJobSchema>;

/** The RAC's problem summaries: a job only says when to look at a summary; the row says what is in it. */
export const DIGEST_QUEUE = 'digests';
export const DIGEST_JOB = 'problem-digest';
export const digestJobSchema = z.object({ digestId: z.uuid() });
export type DigestJob = z.output<typeof digestJobSchema>;
