import { z } from 'zod';

/** One queue per channel, so email and SMS workers scale and fail independently. */
export const QUEUE_NAMES = { email: 'email', sms: 'sms' } as const;
export type Channel = keyof typeof QUEUE_NAMES;

export const SEND_JOB = 'send';

/**
 * The only payload a job carries: the message id. Everything else is re-read from the
 * database, which also makes a job from an older deploy safe to process.
 */
export const sendJobSchema = z.object({ messageId: z.uuid() });
export type SendJob = z.output<typeof sendJobSchema>;
