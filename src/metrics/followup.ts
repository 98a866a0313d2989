import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { messages } from '../db/schema.js';
import type { CommittedEvent, Subscriber } from '../history/followups.js';
import { type Move, MOVES } from '../messages/lifecycle.js';
import type { Metrics } from './registry.js';

/** The events of moves that change a message's status (edits and progress reports are not counted). */
const TRANSITIONS = [
  ...new Set(
    Object.values(MOVES as Record<string, Move>)
      .filter((move) => move.to !== 'same')
      .map((move) => move.event),
  ),
];

/** A provider's failure in a few stable words, from the attempt's recorded reason. */
export function errorKind(reason: string, permanent: boolean): string {
  if (/^SMTP 5\d\d/.test(reason)) return 'rejected';
  if (/^SMTP 4\d\d/.test(reason)) return 'deferred';
  if (/timed? ?out|ETIMEDOUT/i.test(reason)) return 'timeout';
  if (/ECONN|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ESOCKET|EPIPE|socket/i.test(reason)) return 'connection';
  return permanent ? 'rejected' : 'other';
}

const REMEMBERED = 10_000;

/**
 * Counts committed message events, as a follow-up: what is counted is what the history says
 * happened, whichever process did it, and a rolled-back move is never counted. Listed last
 * among the subscribers, so an event handed out again because an earlier one failed is not
 * counted twice; the recent ids it remembers cover a dispatcher that died before deleting.
 */
export function createMetricsFollowup({ db, metrics }: { db: Db; metrics: Metrics }): Subscriber {
  const seen = new Set<number>();
  return {
    name: 'metrics',
    events: TRANSITIONS,
    async handle(event: CommittedEvent) {
      if (seen.has(event.id)) return;
      seen.add(event.id);
      if (seen.size > REMEMBERED) seen.delete(seen.values().next().value as number);
      const channel = typeof event.data.channel === 'string' ? event.data.channel : 'unknown';
      metrics.messages.inc({ event: event.type, channel });
      const reason = typeof event.data.error === 'string' ? event.data.error : undefined;
      // A message stopped because its recipient is suppressed never reached a provider.
      const provider = reason !== undefined && event.data.suppressionId === undefined;
      if (provider && (event.type === 'message.attempt_failed' || event.type === 'message.failed')) {
        metrics.providerErrors.inc({ channel, kind: errorKind(reason ?? '', event.data.permanent === true) });
      }
      if (event.type === 'message.sent' && typeof event.data.messageId === 'string') {
        // The event is stamped with the sent_at of its move, and usually carries the send_at.
        const due =
          typeof event.data.sendAt === 'string' ? { sendAt: new Date(event.data.sendAt), sentAt: event.at } : undefined;
        const [row] = due
          ? [due]
          : await db
              .select({ sendAt: messages.sendAt, sentAt: messages.sentAt })
              .from(messages)
              .where(eq(messages.id, event.data.messageId));
        if (row?.sentAt) {
          metrics.sendLatency.observe({ channel }, Math.max(0, (row.sentAt.getTime() - row.sendAt.getTime()) / 1000));
        }
      }
    },
  };
}
