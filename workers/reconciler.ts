import { and, asc, eq, gt, lt, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { idempotencyKeys, messages } from '../db/schema.js';
import type { Logger } from '../logger.js';
import type { Producer } from '../queue/producer.js';
import { periodic } from '../lib/periodic.js';

export interface ReconcilerDeps {
  db: Db;
  producer: Producer;
  logger: Logger;
  now: () => Date;
  /** A message "sending" for longer than this without a job lost its worker. */
  stuckAfterMs: number;
}

const PAGE = 1_000;
const IDEMPOTENCY_RETENTION_MS = 48 * 3600 * 1000;

/**
 * Redis is only the delivery mechanism: whatever PostgreSQL says is still to be sent must
 * have a job. This puts back every missing one (Redis flushed, restarted without its data,
 * or down when the message was created).
 */
export function createReconciler(deps: ReconcilerDeps) {
  async function pass(): Promise<number> {
    let requeued = 0;
    let after = '';
    const stuckBefore = new Date(deps.now().getTime() - deps.stuckAfterMs);
    for (;;) {
      const rows = await deps.db
        .select({ id: messages.id, channel: messages.channel, sendAt: messages.sendAt, status: messages.status })
        .from(messages)
        .where(
          and(
            gt(messages.id, after),
            or(
              eq(messages.status, 'scheduled'),
              and(eq(messages.status, 'sending'), lt(messages.updatedAt, stuckBefore)),
            ),
          ),
        )
        .orderBy(asc(messages.id))
        .limit(PAGE);
      if (rows.length === 0) break;
      after = rows.at(-1)?.id ?? after;
      for (const channel of ['email', 'sms'] as const) {
        const batch = rows.filter((row) => row.channel === channel);
        if (batch.length === 0) continue;
        const present = await deps.producer.existing(
          channel,
          batch.map((row) => row.id),
        );
        for (const row of batch) {
          if (present.has(row.id)) continue;
          if (await deps.producer.enqueue({ id: row.id, channel, sendAt: row.sendAt })) requeued++;
        }
      }
      if (rows.length < PAGE) break;
    }
    await deps.db
      .delete(idempotencyKeys)
      .where(lt(idempotencyKeys.createdAt, new Date(deps.now().getTime() - IDEMPOTENCY_RETENTION_MS)));
    if (requeued > 0) deps.logger.info({ requeued }, 'reconciler re-queued messages missing from Redis');
    return requeued;
  }

  return periodic('reconciler pass', pass, deps.logger);
}
export type Reconciler = ReturnType<typeof createReconciler>;
