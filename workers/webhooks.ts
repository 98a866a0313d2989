import { type Job, Worker } from 'bullmq';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { Deps } from '../src/deps.js';
import { webhookDeliveries, webhookEndpoints } from '../src/db/schema.js';
import { periodic } from '../src/lib/periodic.js';
import { WEBHOOK_QUEUE, webhookJobSchema } from '../src/queue/jobs.js';
import { TEST_EVENT } from '../src/webhooks/events.js';
import { disabledMail } from '../src/webhooks/mail.js';
import { webhookBackoff } from '../src/webhooks/queue.js';
import { postWebhook, type PostResult } from '../src/webhooks/sender.js';

type WebhookDeps = Pick<Deps, 'config' | 'logger' | 'db' | 'now' | 'metrics' | 'webhookQueue' | 'email'>;
export type AttemptOutcome = 'succeeded' | 'retry' | 'failed' | 'skipped' | 'gone';

/** Let a freshly stored delivery reach the queue by its own path before the sweep looks for it. */
const SWEEP_GRACE_MS = 30_000;
const SWEEP_PAGE = 1_000;

const outcomeOf = (result: PostResult) =>
  result.ok ? 'delivered' : result.refused ? 'refused' : result.status ? 'http_error' : 'network_error';

/**
 * One attempt of one delivery. Only a pending delivery is sent, so a job that runs again after
 * a success sends nothing; the receiver still deduplicates by `webhook-id` (at least once).
 */
export async function attemptDelivery(deps: WebhookDeps, deliveryId: string, attempt: number): Promise<AttemptOutcome> {
  const { db, config, metrics } = deps;
  const [found] = await db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (!found) return 'gone';
  const { delivery, endpoint } = found;
  if (delivery.status !== 'pending') return 'skipped';
  if (endpoint.disabledAt && delivery.type !== TEST_EVENT) {
    await db
      .update(webhookDeliveries)
      .set({ status: 'skipped', lastError: 'endpoint disabled' })
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, 'pending')));
    metrics.webhookDeliveries.inc({ result: 'skipped' });
    return 'skipped';
  }

  const result = await postWebhook(
    { url: endpoint.url, secret: endpoint.secret },
    { id: delivery.id, body: JSON.stringify(delivery.payload) },
    { timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE },
  );
  const now = deps.now();
  metrics.webhookAttempts.inc({ outcome: outcomeOf(result) });
  if (!result.refused) metrics.webhookDuration.observe(result.durationMs / 1000);
  const recorded = {
    attempts: sql`${webhookDeliveries.attempts} + 1`,
    responseStatus: result.status ?? null,
    durationMs: result.durationMs,
    lastAttemptAt: now,
  };

  if (result.ok) {
    await db
      .update(webhookDeliveries)
      .set({ ...recorded, status: 'succeeded', lastError: null, deliveredAt: now })
      .where(eq(webhookDeliveries.id, deliveryId));
    await db
      .update(webhookEndpoints)
      .set({ failingSince: null })
      .where(and(eq(webhookEndpoints.id, endpoint.id), sql`${webhookEndpoints.failingSince} is not null`));
    metrics.webhookDeliveries.inc({ result: 'succeeded' });
    return 'succeeded';
  }

  const disabled = await noteFailure(deps, endpoint.id, now);
  const tooLate = now.getTime() - delivery.createdAt.getTime() + webhookBackoff(attempt, config.WEBHOOK_BACKOFF_MS);
  const final = result.refused === true || disabled || tooLate > config.WEBHOOK_RETRY_FOR_MS;
  await db
    .update(webhookDeliveries)
    .set({ ...recorded, lastError: result.error ?? 'failed', ...(final ? { status: 'failed' as const } : {}) })
    .where(eq(webhookDeliveries.id, deliveryId));
  if (!final) return 'retry';
  metrics.webhookDeliveries.inc({ result: 'failed' });
  deps.logger.warn({ deliveryId, endpointId: endpoint.id, attempts: attempt }, 'webhook delivery abandoned');
  return 'failed';
}

/** Starts or continues the endpoint's run of failures; disables it once the run is long enough. */
async function noteFailure(deps: WebhookDeps, endpointId: string, now: Date): Promise<boolean> {
  const { db, config } = deps;
  const [row] = await db
    .update(webhookEndpoints)
    .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now.toISOString()}::timestamptz)` })
    .where(eq(webhookEndpoints.id, endpointId))
    .returning();
  if (!row?.failingSince || row.disabledAt) return row?.disabledAt != null;
  if (now.getTime() - row.failingSince.getTime() < config.WEBHOOK_DISABLE_AFTER_MS) return false;
  const [disabled] = await db
    .update(webhookEndpoints)
    .set({ disabledAt: now, disabledReason: 'every delivery failed', updatedAt: now })
    .where(and(eq(webhookEndpoints.id, endpointId), isNull(webhookEndpoints.disabledAt)))
    .returning();
  if (!disabled) return true;
  deps.metrics.webhookDisabled.inc();
  deps.logger.warn({ endpointId }, 'webhook endpoint disabled after a long run of failures');
  if (disabled.alertEmail) {
    const mail = disabledMail(disabled);
    await deps.email
      .send({
        id: `webhook-disabled-${endpointId}`,
        to: [{ address: disabled.alertEmail }],
        cc: [],
        replyTo: null,
        ...mail,
      })
      .catch((err: unknown) => deps.logger.warn({ err, endpointId }, 'could not tell the alert mailbox'));
  }
  return true;
}

/**
 * Pending deliveries whose job Redis lost (flushed, or down when the event was handled) are
 * queued again; those past the retry period are closed as failed.
 */
export function createWebhookSweep(deps: WebhookDeps) {
  return periodic(
    'webhook sweep',
    async () => {
      const now = deps.now().getTime();
      const expired = await deps.db
        .update(webhookDeliveries)
        .set({ status: 'failed', lastError: 'not delivered within the retry period' })
        .where(
          and(
            eq(webhookDeliveries.status, 'pending'),
            lt(webhookDeliveries.createdAt, new Date(now - deps.config.WEBHOOK_RETRY_FOR_MS - SWEEP_GRACE_MS)),
          ),
        )
        .returning({ id: webhookDeliveries.id });
      if (expired.length > 0) deps.metrics.webhookDeliveries.inc({ result: 'failed' }, expired.length);
      const pending = await deps.db
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(
          and(eq(webhookDeliveries.status, 'pending'), lt(webhookDeliveries.createdAt, new Date(now - SWEEP_GRACE_MS))),
        )
        .orderBy(webhookDeliveries.createdAt)
        .limit(SWEEP_PAGE);
      if (pending.length === 0) return 0;
      const missing = await deps.webhookQueue.missing(pending.map((row) => row.id));
      if (missing.length > 0 && (await deps.webhookQueue.enqueue(missing))) {
        deps.logger.info({ requeued: missing.length }, 'webhook deliveries re-queued');
      }
      return missing.length;
    },
    deps.logger,
  );
}

/** The BullMQ worker of the webhooks queue: one job per delivery, retried with backoff. */
export function startWebhookWorker(deps: WebhookDeps): { close(): Promise<void> } {
  const { config, logger } = deps;
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  const worker = new Worker(
    WEBHOOK_QUEUE,
    async (job: Job) => {
      const payload = webhookJobSchema.safeParse(job.data);
      if (!payload.success) {
        logger.error({ jobId: job.id }, 'webhook job payload not understood; dropped');
        return 'invalid';
      }
      const outcome = await attemptDelivery(deps, payload.data.deliveryId, job.attemptsMade + 1);
      if (outcome === 'retry') throw new Error('webhook delivery failed; will retry');
      return outcome;
    },
    {
      connection,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WEBHOOK_CONCURRENCY,
      settings: { backoffStrategy: (attemptsMade: number) => webhookBackoff(attemptsMade, config.WEBHOOK_BACKOFF_MS) },
    },
  );
  worker.on('error', (err) => logger.warn({ err }, 'webhook worker error'));
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
