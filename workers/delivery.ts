import { eq, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { messages } from '../db/schema.js';
import type { DeliveryError, EmailSender, SmsSender } from '../channels/types.js';
import { type MessageRow, transition } from './repository.js';

export interface DeliveryDeps {
  db: Db;
  email: EmailSender;
  sms: SmsSender;
  now: () => Date;
  /** Follow-ups of a sent message (a closure mail schedules its survey reminder). */
  afterSent?: (row: MessageRow) => Promise<void>;
}

/** What one attempt came to, for the worker to ack, retry or postpone the job. */
export type Outcome =
  | { kind: 'sent'; providerId: string }
  | { kind: 'skipped'; status: string }
  | { kind: 'not_due'; sendAt: Date }
  | { kind: 'retry'; error: string }
  | { kind: 'failed'; error: string };

const WORKER: { name: string } = { name: 'worker' };
/** A job may fire a little early (timers, clock skew between hosts); that is still on time. */
const EARLY_TOLERANCE_MS = 1_000;

async function dispatch(deps: DeliveryDeps, row: MessageRow): Promise<{ providerId: string }> {
  if (row.channel === 'email') {
    return deps.email.send({
      id: row.id,
      to: row.to,
      cc: row.cc,
      replyTo: row.replyTo,
      subject: row.subject ?? '',
      html: row.html ?? '',
      text: row.text ?? '',
    });
  }
  const to = row.to[0]?.address;
  if (!to) throw Object.assign(new Error('no recipient'), { permanent: true });
  return deps.sms.send({ id: row.id, to, body: row.smsBody ?? '' });
}

/**
 * One delivery attempt. The row is re-read and claimed first, so a cancelled, already-sent or
 * rescheduled message is left alone; the result is recorded before the job is acknowledged.
 */
export async function deliver(
  deps: DeliveryDeps,
  id: string,
  attempt: { number: number; last: boolean },
): Promise<Outcome> {
  // Claimed in one statement: due, and neither cancelled nor already sent. Only when the
  // claim fails is the row read again, to tell why.
  const dueBy = new Date(deps.now().getTime() + EARLY_TOLERANCE_MS);
  const claimed = await transition(
    deps.db,
    id,
    ['scheduled', 'sending'],
    { status: 'sending', attempts: sql`${messages.attempts} + 1` },
    { type: 'message.sending', actor: WORKER, data: { attempt: attempt.number } },
    lte(messages.sendAt, dueBy),
  );
  if (!claimed) {
    const [current] = await deps.db
      .select({ status: messages.status, sendAt: messages.sendAt })
      .from(messages)
      .where(eq(messages.id, id));
    if (!current) return { kind: 'skipped', status: 'missing' };
    if ((current.status === 'scheduled' || current.status === 'sending') && current.sendAt > dueBy) {
      return { kind: 'not_due', sendAt: current.sendAt };
    }
    return { kind: 'skipped', status: current.status };
  }

  try {
    const { providerId } = await dispatch(deps, claimed);
    const sent = await transition(
      deps.db,
      id,
      ['sending'],
      { status: 'sent', sentAt: deps.now(), providerId, lastError: null },
      { type: 'message.sent', actor: WORKER, data: { providerId, attempt: attempt.number } },
    );
    // Follow-ups must never turn a delivered message into a failed one.
    if (sent) await deps.afterSent?.(sent).catch(() => {});
    return { kind: 'sent', providerId };
  } catch (caught) {
    const error = caught as Partial<DeliveryError> & Error;
    const reason = error.message ?? String(caught);
    if (error.permanent === true || attempt.last) {
      await transition(
        deps.db,
        id,
        ['sending'],
        { status: 'failed', failedAt: deps.now(), lastError: reason },
        {
          type: 'message.failed',
          actor: WORKER,
          data: { error: reason, attempt: attempt.number, permanent: error.permanent === true },
        },
      );
      return { kind: 'failed', error: reason };
    }
    // Back to scheduled while waiting for the retry, so that it can still be cancelled.
    await transition(
      deps.db,
      id,
      ['sending'],
      { status: 'scheduled', lastError: reason },
      {
        type: 'message.attempt_failed',
        actor: WORKER,
        data: { error: reason, attempt: attempt.number },
      },
    );
    return { kind: 'retry', error: reason };
  }
}
