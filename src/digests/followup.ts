import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { suppressions } from '../db/schema.js';
import type { CommittedEvent, Subscriber } from '../history/followups.js';
import { findMessage, type MessageRow } from '../messages/moves.js';
import { normalise } from '../suppressions/store.js';
import type { DigestQueue } from './queue.js';
import { enhancedStatus, mailReason, type Reason, smsReason, suppressionReason, twilioCode } from './reasons.js';
import { collect, type DigestTiming, type NewProblem } from './store.js';

export interface DigestFollowupDeps {
  db: Db;
  queue: Pick<DigestQueue, 'enqueue'>;
  now: () => Date;
  timing: DigestTiming;
}

type Found = Omit<NewProblem, 'eventId' | 'projectRef' | 'at'>;

const contactOf = (event: CommittedEvent, row: MessageRow): string | null => {
  const named = event.data.recipient;
  if (typeof named === 'string' && named !== 'explicit') return named;
  return row.to[0]?.contactId ?? null;
};

/**
 * What went wrong for the RAC to hear of, as a follow-up of the history: a message that ended
 * failed or bounced, and a recipient suppressed (a complaint, a STOP, repeated refusals).
 * Each problem goes into its order's summary of the day (./store.ts), and a job is asked for
 * after the commit; the sweep of the workers asks again for one Redis lost.
 */
export function createDigestFollowup(deps: DigestFollowupDeps): Subscriber {
  const { db } = deps;

  async function failure(event: CommittedEvent, row: MessageRow): Promise<Found> {
    const base = { messageId: row.id, contactId: contactOf(event, row), suppressionId: null };
    const suppressionId = typeof event.data.suppressionId === 'string' ? event.data.suppressionId : undefined;
    if (suppressionId) {
      // Suppressed before it went: the reason is the suppression's.
      const [entry] = await db.select().from(suppressions).where(eq(suppressions.id, suppressionId));
      if (entry) {
        return {
          ...base,
          suppressionId,
          reason: suppressionReason(entry.reason, entry.detail),
          remoteStatus: entry.detail?.slice(0, 100) ?? null,
        };
      }
    }
    if (row.channel === 'sms') {
      const code = twilioCode(event.data);
      return { ...base, reason: smsReason(code), remoteStatus: code ? `Twilio ${code}` : null };
    }
    const error = typeof event.data.error === 'string' ? event.data.error : undefined;
    const refused = error !== undefined && /^SMTP 5\d\d/.test(error);
    const status = enhancedStatus(error);
    const reason: Reason = refused ? mailReason(status) : 'failed';
    return { ...base, reason, remoteStatus: status ?? null };
  }

  async function suppressed(event: CommittedEvent, row: MessageRow): Promise<Found | undefined> {
    const id = event.data.suppressionId;
    if (typeof id !== 'string') return undefined;
    const [entry] = await db.select().from(suppressions).where(eq(suppressions.id, id));
    if (!entry) return undefined;
    const channel = entry.channel;
    const same = (r: { address: string }) => normalise(channel, r.address) === entry.address;
    const recipient = row.to.find(same) ?? row.cc.find(same);
    return {
      messageId: row.id,
      contactId: recipient?.contactId ?? null,
      suppressionId: id,
      reason: suppressionReason(entry.reason, entry.detail),
      remoteStatus: entry.detail?.slice(0, 100) ?? null,
    };
  }

  async function problemOf(event: CommittedEvent, row: MessageRow): Promise<Found | undefined> {
    switch (event.type) {
      case 'message.bounced': {
        const status = typeof event.data.remoteStatus === 'string' ? event.data.remoteStatus : undefined;
        return {
          messageId: row.id,
          contactId: contactOf(event, row),
          suppressionId: null,
          reason: mailReason(status),
          remoteStatus: status ?? null,
        };
      }
      case 'suppression.added':
        return suppressed(event, row);
      default:
        return failure(event, row);
    }
  }

  return {
    name: 'problem digest',
    events: ['message.failed', 'message.undelivered', 'message.bounced', 'suppression.added'],
    async handle(event) {
      const messageId = event.data.messageId;
      const row = typeof messageId === 'string' ? await findMessage(db, messageId) : undefined;
      if (!row || row.projectRef !== event.projectRef) return;
      const found = await problemOf(event, row);
      if (!found) return;
      const trigger = await collect(
        db,
        { ...found, eventId: event.id, projectRef: event.projectRef, at: event.at },
        deps.now(),
        deps.timing,
      );
      if (trigger) await deps.queue.enqueue(trigger);
    },
  };
}
