import { DelayedError, type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Deps } from '../src/deps.js';
import { type Channel, QUEUE_NAMES, sendJobSchema } from '../src/queue/jobs.js';
import { deliver } from './delivery.js';

type SenderDeps = Pick<Deps, 'config' | 'logger' | 'db' | 'email' | 'sms' | 'now' | 'settings' | 'surveyLinks'>;

/**
 * One BullMQ worker per channel, each job one delivery attempt of one message. Its outcome
 * decides what BullMQ does with the job: done, retried with backoff, or delayed again.
 */
export function startSenders(deps: SenderDeps): { close(): Promise<void> } {
  const { config, logger } = deps;
  // Workers block on Redis, so they need their own connection with unlimited retries.
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  connection.on('error', () => {});

  const process = async (channel: Channel, job: Job, token: string | undefined) => {
    const payload = sendJobSchema.safeParse(job.data);
    if (!payload.success) {
      logger.error({ jobId: job.id, channel }, 'job payload not understood; dropped');
      return 'invalid';
    }
    const { messageId, memo } = payload.data;
    const attempts = job.opts.attempts ?? 1;
    const outcome = await deliver(deps, messageId, {
      number: job.attemptsMade + 1,
      last: job.attemptsMade + 1 >= attempts,
      memo,
      remember: (next) => job.updateData({ messageId, memo: next }),
    });
    if (outcome.kind === 'retry') throw new Error(outcome.error);
    if (outcome.kind === 'not_due') {
      // Rescheduled later while this job waited: wait again for the new time.
      await job.moveToDelayed(outcome.sendAt.getTime(), token);
      throw new DelayedError();
    }
    if (outcome.kind === 'failed') logger.warn({ messageId, channel }, 'message failed');
    return outcome.kind;
  };

  const start = (channel: Channel, concurrency: number) => {
    const worker = new Worker(QUEUE_NAMES[channel], (job, token) => process(channel, job, token), {
      connection,
      prefix: config.QUEUE_PREFIX,
      concurrency,
      lockDuration: config.WORKER_LOCK_MS,
      stalledInterval: config.WORKER_LOCK_MS,
      maxStalledCount: 10,
    });
    worker.on('error', (err) => logger.warn({ err, channel }, 'worker error'));
    return worker;
  };

  const workers = [start('email', config.EMAIL_CONCURRENCY), start('sms', config.SMS_CONCURRENCY)];
  return {
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      connection.disconnect();
    },
  };
}
