import { Queue } from 'bullmq';
import { withTimeout } from '../lib/timeout.js';
import type { Logger } from '../logger.js';
import { DIGEST_JOB, DIGEST_QUEUE, type DigestJob } from '../queue/jobs.js';
import { producerConnection } from '../queue/producer.js';
import type { Trigger } from './store.js';

export interface DigestQueue {
  /** Asks for the summary to be looked at when due; false (and logged) when Redis cannot take it now. */
  enqueue(trigger: Trigger): Promise<boolean>;
  /** The state of each summary's job (`unknown` when it has none). */
  states(ids: readonly string[]): Promise<Map<string, string>>;
  /** Runs a delayed job now: the summary is due by the service clock, whatever the job's delay said. */
  promote(id: string): Promise<void>;
  queue: Queue;
  close(): Promise<void>;
}

/** Attempts of one job; past them the sweep asks again, so a summary is never dropped. */
const ATTEMPTS = 8;

export function createDigestQueue(options: {
  redisUrl: string;
  prefix: string;
  logger: Logger;
  now: () => Date;
  backoffMs: number;
}): DigestQueue {
  const connection = producerConnection(options.redisUrl);
  const queue = new Queue(DIGEST_QUEUE, { connection, prefix: options.prefix });
  queue.on('error', () => {});
  return {
    queue,
    async enqueue(trigger) {
      try {
        await withTimeout(
          queue.add(DIGEST_JOB, { digestId: trigger.id } satisfies DigestJob, {
            jobId: trigger.id,
            delay: Math.max(0, trigger.dueAt.getTime() - options.now().getTime()),
            attempts: ATTEMPTS,
            backoff: { type: 'exponential', delay: options.backoffMs },
            removeOnComplete: true,
            removeOnFail: true,
          }),
          2_000,
          'Redis did not take the summary job in time',
        );
        return true;
      } catch (error) {
        options.logger.warn(
          { err: error, digestId: trigger.id },
          'could not queue the problem summary now; the sweep will',
        );
        return false;
      }
    },
    async states(ids) {
      const states = await withTimeout(
        Promise.all(ids.map((id) => queue.getJobState(id))),
        10_000,
        'Redis did not answer in time',
      );
      return new Map(ids.map((id, i) => [id, states[i] ?? 'unknown']));
    },
    async promote(id) {
      await (await queue.getJob(id))?.promote();
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
