import { MESSAGE_STATUSES, type MessageStatus } from '../db/schema.js';

/**
 * The message lifecycle, declared once. A message only moves along the table below, forward:
 *
 *   draft → scheduled → sending → sent → delivered
 *                          ↘ failed      ↘ failed (undelivered) · bounced
 *   draft | scheduled → cancelled
 *
 * Every status change in the code is one of these moves (executed by ./moves.ts, one SQL
 * statement each: the update, its history event, its counters). Other modules import the
 * status sets below rather than listing statuses of their own.
 */

export { MESSAGE_STATUSES, type MessageStatus };

/** Not gone yet: can still be edited, rescheduled or cancelled. */
export const PENDING = ['draft', 'scheduled'] as const satisfies readonly MessageStatus[];
/** Should have a job in the queue (or be in a worker's hands). */
export const QUEUED = ['scheduled', 'sending'] as const satisfies readonly MessageStatus[];
/** Went to the provider: what the client may have received. */
export const GONE = ['sent', 'delivered', 'failed', 'bounced'] as const satisfies readonly MessageStatus[];
/**
 * In a worker's hands or gone to the provider: the recipient has it, or may have it any
 * moment. What a visit's later notices are measured against ("did the client hear of it?").
 */
export const HEARD = ['sending', ...GONE] as const satisfies readonly MessageStatus[];
/** Nothing more will be sent: contents may be purged, figures are final. */
export const FINISHED = [
  'sent',
  'delivered',
  'failed',
  'bounced',
  'cancelled',
] as const satisfies readonly MessageStatus[];
/** What the RAC must look at: it did not reach the client. */
export const PROBLEMS = ['failed', 'bounced'] as const satisfies readonly MessageStatus[];

/**
 * The statistics counters, one per kind of event a report counts (src/stats/ derives its
 * columns from this list). Each event adds to one counter only, on the day it happened: a mail
 * sent then returned as a hard bounce counts once in `sent` (the day it went) and once in
 * `bounced` (the day it came back), never in `failed`, which is for what never reached the
 * provider or an SMS the carrier reported undelivered.
 */
export const COUNTERS = ['drafted', 'scheduled', 'sent', 'delivered', 'failed', 'bounced', 'cancelled'] as const;
export type Counter = (typeof COUNTERS)[number];

export interface Move {
  /** Statuses the move starts from; `null` for a message being created. */
  from: readonly MessageStatus[] | null;
  /** Status it ends in; `same` keeps the current one (an edit, a progress report). */
  to: MessageStatus | 'same';
  /** The history event it records. */
  event: string;
  /** The statistics counter the event adds to. */
  counter?: Counter;
  /** The timestamp column the move sets to the service clock. */
  stamps?: 'sentAt' | 'deliveredAt' | 'failedAt' | 'cancelledAt';
}

export const MOVES = {
  createDraft: { from: null, to: 'draft', event: 'message.drafted', counter: 'drafted' },
  createScheduled: { from: null, to: 'scheduled', event: 'message.scheduled', counter: 'scheduled' },
  schedule: { from: ['draft'], to: 'scheduled', event: 'message.scheduled', counter: 'scheduled' },
  edit: { from: PENDING, to: 'same', event: 'message.edited' },
  reschedule: { from: PENDING, to: 'same', event: 'message.rescheduled' },
  // Rendered again because its order, visit or RAC profile changed; what the sender typed stays.
  rerender: { from: PENDING, to: 'same', event: 'message.rerendered' },
  cancel: { from: PENDING, to: 'cancelled', event: 'message.cancelled', counter: 'cancelled', stamps: 'cancelledAt' },
  // A worker takes the message; from `sending` only when the previous attempt is known not
  // to have reached the provider (see workers/delivery.ts).
  claim: { from: ['scheduled'], to: 'sending', event: 'message.sending' },
  reclaim: { from: ['sending'], to: 'sending', event: 'message.sending' },
  // Due, but not now: outside the SMS hours when the job ran (late after an outage, say).
  postpone: { from: ['sending'], to: 'scheduled', event: 'message.postponed' },
  // No longer worth sending: a visit reminder once the visit has started.
  skip: { from: ['sending'], to: 'cancelled', event: 'message.skipped', counter: 'cancelled', stamps: 'cancelledAt' },
  sent: { from: ['sending'], to: 'sent', event: 'message.sent', counter: 'sent', stamps: 'sentAt' },
  retry: { from: ['sending'], to: 'scheduled', event: 'message.attempt_failed' },
  fail: { from: ['sending'], to: 'failed', event: 'message.failed', counter: 'failed', stamps: 'failedAt' },
  // The outcome of an attempt was lost: kept in `sending`, flagged, never resent blindly.
  unconfirm: { from: ['sending'], to: 'same', event: 'message.unconfirmed' },
  // Someone checked an unconfirmed message and asks for it to go (again).
  resend: { from: ['sending'], to: 'scheduled', event: 'message.resent' },
  progress: { from: ['sent'], to: 'same', event: 'message.status_callback' },
  delivered: {
    from: ['sent'],
    to: 'delivered',
    event: 'message.delivered',
    counter: 'delivered',
    stamps: 'deliveredAt',
  },
  undelivered: {
    from: ['sent', 'delivered'],
    to: 'failed',
    event: 'message.undelivered',
    counter: 'failed',
    stamps: 'failedAt',
  },
  // Counted apart from failures, on top of `sent` (see COUNTERS).
  bounce: {
    from: ['sent', 'delivered'],
    to: 'bounced',
    event: 'message.bounced',
    counter: 'bounced',
    stamps: 'failedAt',
  },
  // What returned mail says without changing the status: a temporary failure, a hard bounce of
  // a copy recipient (the client still got it), a complaint of a recipient.
  softBounce: { from: GONE, to: 'same', event: 'message.soft_bounced' },
  recipientBounced: { from: GONE, to: 'same', event: 'message.recipient_bounced' },
  complaint: { from: GONE, to: 'same', event: 'message.complained' },
  // A draft waits because a recipient is suppressed, or no longer waits since it was lifted.
  hold: { from: ['draft'], to: 'same', event: 'message.held' },
  release: { from: ['draft'], to: 'same', event: 'message.released' },
} as const satisfies Record<string, Move>;
export type MoveName = keyof typeof MOVES;

/** Which counter each event type adds to, derived from the moves. */
export const COUNTER_OF: Readonly<Record<string, Counter>> = Object.fromEntries(
  Object.values(MOVES as Record<string, Move>).flatMap((move) => (move.counter ? [[move.event, move.counter]] : [])),
);

export const isPending = (status: MessageStatus): boolean => (PENDING as readonly string[]).includes(status);
export const isHeard = (status: MessageStatus): boolean => (HEARD as readonly string[]).includes(status);
export const isFinished = (status: MessageStatus): boolean => (FINISHED as readonly string[]).includes(status);
