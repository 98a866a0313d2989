import { Queue } from 'bullmq';
import { withTimeout } from '../lib/timeout.js';
import type { Logger } from '../logger.js';
import { WEBHOOK_JOB, WEBHOOK_QUEUE, type WebhookJob } from '../queue/jobs.js';
import { producerConnection } from '../queue/producer.js';

export interface WebhookQueueOptions {
  redisUrl: string;
  prefix: string;
  logger: Logger;
}

/**
 * Far more attempts than a day of backoff needs: the end of retries is decided by time (the
 * worker gives up WEBHOOK_RETRY_FOR_MS after the event), not by this count.
 */
export const WEBHOOK_ATTEMPTS = 1_000;
/** The delay before retry `attempt` (1 for the first retry): doubling from `base`, at most an hour. */
export const webhookBackoff = (attempt: number, base: number): number =>
  Math.min(base * 2 ** Math.min(Math.max(attempt - 1, 0), 30), 3_600_000);

export interface WebhookQueue {
  /** Queues the deliveries; false (and logged) when Redis cannot take them now. */
  enqueue(deliveryIds: readonly string[]): Promise<boolean>;
  /** Ids among these without a job (Redis lost it, or it was never queued). */
  missing(deliveryIds: readonly string[]): Promise<string[]>;
  queue: Queue;
  close(): Promise<void>;
}

export function createWebhookQueue(options: WebhookQueueOptions): WebhookQueue {
  const connection = producerConnection(options.redisUrl);
  const queue = new Queue(WEBHOOK_QUEUE, { connection, prefix: options.prefix });
  queue.on('error', () => {});
  return {
    queue,
    async enqueue(deliveryIds) {
      if (deliveryIds.length === 0) return true;
      try {
        await withTimeout(
          queue.addBulk(
            deliveryIds.map((deliveryId) => ({
              name: WEBHOOK_JOB,
              data: { deliveryId } satisfies WebhookJob,
              opts: {
                jobId: deliveryId,
                attempts: WEBHOOK_ATTEMPTS,
                backoff: { type: 'webhook' },
                removeOnComplete: true,
                removeOnFail: true,
              },
            })),
          ),
          2_000,
          'Redis did not take the webhook deliveries in time',
        );
        return true;
      } catch (error) {
        options.logger.warn({ err: error, count: deliveryIds.length }, 'could not queue webhook deliveries now');
        return false;
      }
    },
    async missing(deliveryIds) {
      const states = await withTimeout(
        Promise.all(deliveryIds.map((id) => queue.getJobState(id))),
        10_000,
        'Redis did not answer in time',
      );
      return deliveryIds.filter((_, i) => ['unknown', 'completed', 'failed'].includes(states[i] ?? 'unknown'));
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
