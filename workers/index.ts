import { DelayedError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Deps } from '../src/deps.js';
import { deliver } from '../src/messages/delivery.js';
import { type Channel, QUEUE_NAMES, sendJobSchema } from '../src/queue/jobs.js';

export interface Workers {
  close(): Promise<void>;
}

type WorkerDeps = Pick<
  Deps,
  'config' | 'logger' | 'db' | 'email' | 'sms' | 'now' | 'reconciler' | 'automation' | 'retention'
>;

/**
 * Starts one BullMQ worker per channel and the reconciler. `close` stops taking jobs and
 * lets the sends in flight finish, so SIGTERM loses nothing.
 */
export async function startWorkers(deps: WorkerDeps): Promise<Workers> {
  const { config, logger } = deps;
  // Workers block on Redis, so they need their own connection with unlimited retries.
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  connection.on('error', () => {});

  const delivery = { ...deps, afterSent: deps.automation.afterSent };
  const start = (channel: Channel, concurrency: number) => {
    const worker = new Worker(
      QUEUE_NAMES[channel],
      async (job, token) => {
        const payload = sendJobSchema.safeParse(job.data);
        if (!payload.success) {
          logger.error({ jobId: job.id, channel }, 'job payload not understood; dropped');
          return 'invalid';
        }
        const attempts = job.opts.attempts ?? 1;
        const outcome = await deliver(delivery, payload.data.messageId, {
          number: job.attemptsMade + 1,
          last: job.attemptsMade + 1 >= attempts,
        });
        if (outcome.kind === 'retry') throw new Error(outcome.error);
        if (outcome.kind === 'not_due') {
          // Rescheduled later while this job waited: wait again for the new time.
          await job.moveToDelayed(outcome.sendAt.getTime(), token);
          throw new DelayedError();
        }
        if (outcome.kind === 'failed') logger.warn({ messageId: payload.data.messageId, channel }, 'message failed');
        return outcome.kind;
      },
      {
        connection,
        prefix: config.QUEUE_PREFIX,
        concurrency,
        lockDuration: config.WORKER_LOCK_MS,
        stalledInterval: config.WORKER_LOCK_MS,
        maxStalledCount: 10,
      },
    );
    worker.on('error', (err) => logger.warn({ err, channel }, 'worker error'));
    return worker;
  };

  const workers = [start('email', config.EMAIL_CONCURRENCY), start('sms', config.SMS_CONCURRENCY)];
  deps.reconciler.start(config.RECONCILE_INTERVAL_MS);
  deps.retention.start(config.PURGE_INTERVAL_MS);
  logger.debug('workers started');
  return {
    async close() {
      await deps.reconciler.stop();
      await deps.retention.stop();
      await Promise.all(workers.map((worker) => worker.close()));
      connection.disconnect();
    },
  };
}
