import type { Deps } from '../src/deps.js';
import { periodic } from '../src/lib/periodic.js';
import { createDispatcher } from './followups.js';
import { startSenders } from './send.js';
import { createReconciler } from './reconciler.js';

export interface Workers {
  close(): Promise<void>;
}

type WorkerDeps = Pick<
  Deps,
  'config' | 'logger' | 'db' | 'email' | 'sms' | 'now' | 'producer' | 'settings' | 'retention' | 'subscribers'
>;

/**
 * Everything that runs in the background: one queue processor per channel, the follow-up
 * dispatcher, the reconciler and the retention purge. `close` stops taking work and lets
 * what is in flight finish, so SIGTERM loses nothing.
 */
export async function startWorkers(deps: WorkerDeps): Promise<Workers> {
  const { config, logger } = deps;
  const senders = startSenders(deps);
  const dispatcher = createDispatcher({ db: deps.db, logger, now: deps.now, subscribers: deps.subscribers });
  const reconciler = createReconciler({
    db: deps.db,
    producer: deps.producer,
    logger,
    now: deps.now,
    stuckAfterMs: config.WORKER_LOCK_MS * 2,
  });
  const retention = periodic('retention purge', deps.retention.purge, logger);
  dispatcher.start(config.FOLLOWUP_INTERVAL_MS);
  reconciler.start(config.RECONCILE_INTERVAL_MS);
  retention.start(config.PURGE_INTERVAL_MS);
  logger.debug('workers started');
  return {
    async close() {
      await Promise.all([dispatcher.stop(), reconciler.stop(), retention.stop()]);
      await senders.close();
    },
  };
}
