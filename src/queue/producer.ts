import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { withTimeout as timeout } from '../lib/timeout.js';
import type { Logger } from '../logger.js';
import { type Channel, QUEUE_NAMES, SEND_JOB, type SendJob } from './jobs.js';

export interface ProducerOptions {
  redisUrl: string;
  prefix: string;
  logger: Logger;
  attempts: number;
  backoffMs: number;
  /** Longest wait for Redis before giving up: the row in PostgreSQL is already safe. */
  timeoutMs?: number;
  /** The service clock: delays are measured against it, like every sendAt. */
  now?: () => Date;
}

export interface Producer {
  /** Queues the send at `sendAt`; returns false (and logs) when Redis cannot take it now. */
  enqueue(message: { id: string; channel: Channel; sendAt: Date }): Promise<boolean>;
  /**
   * Moves the send to a new `sendAt`. A delayed job has its delay changed in place: removing it
   * and adding it again would leave a moment without a job, in which the reconciler could queue
   * the message again at the time it read before the change.
   */
  reschedule(message: { id: string; channel: Channel; sendAt: Date }): Promise<boolean>;
  /** Removes a waiting or delayed job (a cancelled or rescheduled message). */
  remove(message: { id: string; channel: Channel }): Promise<void>;
  /** The state of each id's job (`unknown` when it has none). */
  states(channel: Channel, ids: readonly string[]): Promise<Map<string, string>>;
  queue(channel: Channel): Queue;
  close(): Promise<void>;
}

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  timeout(promise, ms, `Redis did not answer within ${ms} ms`);

/**
 * The connection a process adds jobs on. enableOfflineQueue: false makes commands fail at
 * once while Redis is away, instead of piling up in memory and holding the HTTP answer: the
 * row in PostgreSQL is safe, and the reconciler queues what could not be queued.
 */
export function producerConnection(redisUrl: string): Redis {
  const connection = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  // Reported by /ready; without a listener ioredis would end the process.
  connection.on('error', () => {});
  return connection;
}

export function createProducer(options: ProducerOptions): Producer {
  const timeoutMs = options.timeoutMs ?? 800;
  const now = options.now ?? (() => new Date());
  const connection = producerConnection(options.redisUrl);
  const queues = {
    email: new Queue(QUEUE_NAMES.email, { connection, prefix: options.prefix }),
    sms: new Queue(QUEUE_NAMES.sms, { connection, prefix: options.prefix }),
  };
  for (const queue of Object.values(queues)) queue.on('error', () => {});

  const delayUntil = (sendAt: Date) => Math.max(0, sendAt.getTime() - now().getTime());

  const producer: Producer = {
    queue: (channel) => queues[channel],

    async enqueue(message) {
      const payload: SendJob = { messageId: message.id };
      try {
        await withTimeout(
          queues[message.channel].add(SEND_JOB, payload, {
            jobId: message.id,
            delay: delayUntil(message.sendAt),
            attempts: options.attempts,
            backoff: { type: 'exponential', delay: options.backoffMs },
            removeOnComplete: true,
            // A job that fails outside our own handling (the database down on its last try) is
            // dropped, so the reconciler queues it again from PostgreSQL instead of it sitting failed.
            removeOnFail: true,
          }),
          timeoutMs,
        );
        return true;
      } catch (error) {
        options.logger.warn(
          { messageId: message.id, err: error },
          'could not queue the message now; the reconciler will',
        );
        return false;
      }
    },

    async reschedule(message) {
      try {
        const job = await withTimeout(queues[message.channel].getJob(message.id), timeoutMs);
        if (job && (await withTimeout(job.isDelayed(), timeoutMs))) {
          await withTimeout(job.changeDelay(delayUntil(message.sendAt)), timeoutMs);
          return true;
        }
      } catch (error) {
        // Promoted meanwhile, or Redis slow: the job is replaced below instead.
        options.logger.debug({ messageId: message.id, err: error }, 'could not change the delay of the job');
      }
      await producer.remove(message);
      return producer.enqueue(message);
    },

    async remove(message) {
      try {
        await withTimeout(queues[message.channel].remove(message.id), timeoutMs);
      } catch (error) {
        // A job left behind finds the message cancelled or not yet due, and does nothing.
        options.logger.warn({ messageId: message.id, err: error }, 'could not remove the job');
      }
    },

    async states(channel, ids) {
      const queue = queues[channel];
      const states = await withTimeout(Promise.all(ids.map((id) => queue.getJobState(id))), 10_000);
      return new Map(ids.map((id, i) => [id, states[i] ?? 'unknown']));
    },

    async close() {
      await Promise.all(Object.values(queues).map((queue) => queue.close()));
      connection.disconnect();
    },
  };
  return producer;
}
