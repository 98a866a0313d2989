import { DelayedError, type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Deps } from '../src/deps.js';
import { unfinished } from '../src/digests/store.js';
import { periodic } from '../src/lib/periodic.js';
import { DIGEST_QUEUE, digestJobSchema } from '../src/queue/jobs.js';

type DigestDeps = Pick<Deps, 'config' | 'logger' | 'db' | 'now' | 'digests'>;

const SWEEP_PAGE = 1_000;

/** The worker of the summaries queue: a job mails its summary once due, or waits again. */
export function startDigestWorker(deps: DigestDeps): { close(): Promise<void> } {
  const { config, logger } = deps;
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  const worker = new Worker(
    DIGEST_QUEUE,
    async (job: Job, token?: string) => {
      const payload = digestJobSchema.safeParse(job.data);
      if (!payload.success) {
        logger.error({ jobId: job.id }, 'problem summary job payload not understood; dropped');
        return 'invalid';
      }
      const outcome = await deps.digests.sender.send(payload.data.digestId);
      if (typeof outcome === 'object') {
        // Early by the service clock: wait for the summary's own time.
        await job.moveToDelayed(Date.now() + outcome.notDue.getTime() - deps.now().getTime(), token);
        throw new DelayedError();
      }
      if (outcome === 'sent') logger.info({ digestId: payload.data.digestId }, 'problem summary sent to the RAC');
      return outcome;
    },
    { connection, prefix: config.QUEUE_PREFIX, concurrency: 2 },
  );
  worker.on('error', (err) => logger.warn({ err }, 'problem summary worker error'));
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}

/**
 * The database says which summaries are still to go; Redis only holds their triggers. Each
 * unfinished summary without a job (Redis flushed, down when the problem came, a job out of
 * attempts) gets one again; a due one whose job still waits is run now. Mailing stays
 * once: the sender claims the summary before mailing it.
 */
export function createDigestSweep(deps: DigestDeps) {
  return periodic(
    'problem summary sweep',
    async () => {
      const rows = await unfinished(deps.db, SWEEP_PAGE);
      if (rows.length === 0) return 0;
      const states = await deps.digests.queue.states(rows.map((row) => row.id));
      let repaired = 0;
      for (const row of rows) {
        const state = states.get(row.id) ?? 'unknown';
        if (['unknown', 'completed', 'failed'].includes(state)) {
          if (await deps.digests.queue.enqueue({ id: row.id, dueAt: row.dueAt })) repaired++;
        } else if (state === 'delayed' && row.status === 'pending' && row.dueAt.getTime() <= deps.now().getTime()) {
          await deps.digests.queue.promote(row.id);
          repaired++;
        }
      }
      if (repaired > 0) deps.logger.info({ repaired }, 'problem summaries queued again');
      return repaired;
    },
    deps.logger,
  );
}
