import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type MessageStatus, messages } from '../db/schema.js';
import { recordEvent } from '../history/record.js';
import { transition } from './repository.js';

const TWILIO: { name: string } = { name: 'twilio' };

/** Twilio's final statuses and what they mean for a message; the others are progress only. */
const FINAL: Record<string, { status: MessageStatus; at: 'deliveredAt' | 'failedAt' }> = {
  delivered: { status: 'delivered', at: 'deliveredAt' },
  undelivered: { status: 'failed', at: 'failedAt' },
  failed: { status: 'failed', at: 'failedAt' },
};

/**
 * Applies a delivery report. Reports can arrive twice or out of order: a final status is
 * applied once (later copies change nothing), and progress reports never move a message back.
 */
export async function applyTwilioStatus(
  db: Db,
  report: { sid: string; status: string; errorCode?: string | undefined },
): Promise<'applied' | 'ignored' | 'unknown'> {
  const [row] = await db.select().from(messages).where(eq(messages.providerId, report.sid));
  if (!row) return 'unknown';
  const final = FINAL[report.status];
  if (!final) {
    if (row.status !== 'sent') return 'ignored';
    await recordEvent(db, {
      projectRef: row.projectRef,
      type: 'message.status_callback',
      actor: TWILIO,
      data: { messageId: row.id, channel: row.channel, providerStatus: report.status },
    });
    return 'applied';
  }
  const next = await transition(
    db,
    row.id,
    ['sent'],
    {
      status: final.status,
      [final.at]: new Date(),
      ...(report.errorCode ? { lastError: `Twilio error ${report.errorCode}` } : {}),
    },
    {
      type: final.status === 'delivered' ? 'message.delivered' : 'message.undelivered',
      actor: TWILIO,
      data: { providerStatus: report.status, ...(report.errorCode ? { errorCode: report.errorCode } : {}) },
    },
  );
  return next ? 'applied' : 'ignored';
}
