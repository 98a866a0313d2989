import { and, eq, inArray, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client.js';
import { type MessageStatus, messages } from '../db/schema.js';
import { type Actor, recordEvent } from '../history/record.js';

export type MessageRow = typeof messages.$inferSelect;

export async function findMessage(db: DbOrTx, id: string): Promise<MessageRow | undefined> {
  const [row] = await db.select().from(messages).where(eq(messages.id, id));
  return row;
}

/**
 * Moves a message from one of `from` to a new state and records the event, atomically. The
 * status condition in the UPDATE is what settles races (cancel against send, two workers):
 * only one of them changes the row, the other gets `undefined`.
 */
export async function transition(
  db: DbOrTx,
  id: string,
  from: readonly MessageStatus[],
  set: PgUpdateSetSource<typeof messages>,
  event: { type: string; actor?: Actor | undefined; data?: Record<string, unknown> },
  condition?: SQL,
): Promise<MessageRow | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(messages)
      .set({ ...set, updatedAt: new Date() })
      .where(and(eq(messages.id, id), inArray(messages.status, [...from]), condition))
      .returning();
    if (!row) return undefined;
    await recordEvent(tx, {
      projectRef: row.projectRef,
      type: event.type,
      actor: event.actor,
      data: { messageId: row.id, template: row.templateKey, channel: row.channel, status: row.status, ...event.data },
    });
    return row;
  });
}
