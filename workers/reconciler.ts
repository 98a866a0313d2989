import { and, asc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { messages } from '../src/db/schema.js';
import { periodic } from '../src/lib/periodic.js';
import type { Logger } from '../src/logger.js';
import type { Metrics } from '../src/metrics/registry.js';
import { applyPendingReports } from '../src/messages/callbacks.js';
import { move } from '../src/messages/moves.js';
import type { Producer } from '../src/queue/producer.js';

export interface ReconcilerDeps {
  db: Db;
  producer: Producer;
  logger: Logger;
  now: () => Date;
  /** A message "sending" for longer than this without a job lost its worker. */
  stuckAfterMs: number;
  metrics?: Pick<Metrics, 'reconcilerRepairs'>;
}

const PAGE = 1_000;
const WORKER = { name: 'worker' };

/**
 * Redis is only the delivery mechanism: whatever PostgreSQL says is still to be sent must
 * have a job. This puts back every missing one (Redis flushed, restarted without its data,
 * or down when the message was created). A message left `sending` without a job lost its
 * worker mid-attempt: it may have gone out, so it is flagged for a check, not queued again.
 */
export function createReconciler(deps: ReconcilerDeps) {
  async function pass(): Promise<{ requeued: number; unconfirmed: number }> {
    let requeued = 0;
    let unconfirmed = 0;
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
              and(eq(messages.status, 'sending'), lt(messages.updatedAt, stuckBefore), isNull(messages.unconfirmedAt)),
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
        const states = await deps.producer.states(
          channel,
          batch.map((row) => row.id),
        );
        for (const row of batch) {
          const state = states.get(row.id) ?? 'unknown';
          const hasJob = state !== 'unknown' && state !== 'completed' && state !== 'failed';
          if (hasJob) continue;
          if (row.status === 'scheduled') {
            if (await deps.producer.enqueue({ id: row.id, channel, sendAt: row.sendAt })) requeued++;
            continue;
          }
          const flagged = await move(deps.db, 'unconfirm', row.id, {
            now: deps.now(),
            actor: WORKER,
            set: { unconfirmedAt: deps.now(), lastError: 'the worker stopped during the attempt; outcome unknown' },
            where: isNull(messages.unconfirmedAt),
          });
          if (flagged) unconfirmed++;
        }
      }
      if (rows.length < PAGE) break;
    }
    await applyPendingReports(deps.db, deps.now);
    // Idempotency rows carry the database's clock (their default): compare with the same one,
    // so a shifted service clock cannot expire them early.
    await deps.db.execute(sql`delete from idempotency_keys where created_at < now() - interval '48 hours'`);
    if (requeued > 0) deps.metrics?.reconcilerRepairs.inc({ kind: 'requeued' }, requeued);
    if (unconfirmed > 0) deps.metrics?.reconcilerRepairs.inc({ kind: 'unconfirmed' }, unconfirmed);
    if (requeued > 0) deps.logger.info({ requeued }, 'reconciler re-queued messages missing from Redis');
    if (unconfirmed > 0) deps.logger.warn({ unconfirmed }, 'reconciler flagged interrupted attempts for a check');
    return { requeued, unconfirmed };
  }

  return periodic('reconciler pass', pass, deps.logger);
}
export type Reconciler = ReturnType<typeof createReconciler>;
