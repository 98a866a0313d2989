import type { messages } from '../db/schema.js';

type Row = typeof messages.$inferSelect;

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** The API shape of a message: its fate, its timestamps and exactly what was (or will be) sent. */
export function messageView(row: Row) {
  return {
    id: row.id,
    projectRef: row.projectRef,
    template: row.templateKey,
    channel: row.channel,
    status: row.status,
    to: row.to,
    cc: row.cc,
    replyTo: row.replyTo,
    blocks: row.blocks,
    data: row.data,
    sendAt: row.sendAt.toISOString(),
    content:
      row.channel === 'email'
        ? {
            subject: row.subject,
            html: row.html,
            text: row.text,
            // A visit's calendar invitation, as it goes with the mail.
            ...(row.calendar ? { calendar: row.calendar } : {}),
          }
        : { body: row.smsBody, encoding: row.smsEncoding, segments: row.smsSegments },
    warnings: row.warnings,
    attempts: row.attempts,
    providerId: row.providerId,
    lastError: row.lastError,
    revision: row.revision,
    // When the content was last rendered and from which version of the order.
    renderedAt: iso(row.renderedAt),
    renderedFromVersion: row.renderedVersion,
    // The outcome of the last attempt was lost: the client may or may not have received it.
    unconfirmedAt: iso(row.unconfirmedAt),
    origin: row.origin,
    interventionId: row.interventionId,
    createdBy: row.createdBy,
    onBehalfOf: row.onBehalfOf,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    sentAt: iso(row.sentAt),
    deliveredAt: iso(row.deliveredAt),
    failedAt: iso(row.failedAt),
    cancelledAt: iso(row.cancelledAt),
  };
}
export type MessageView = ReturnType<typeof messageView>;
