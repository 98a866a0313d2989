import type { Deps } from '../src/deps.js';
import { periodic } from '../src/lib/periodic.js';
import { createDispatcher } from './followups.js';
import { startSenders } from './send.js';
import { createReconciler } from './reconciler.js';
import { createDeadlineWatch } from '../src/projects/missed.js';
import { createWebhookSweep, startWebhookWorker } from './webhooks.js';
import { type BounceListener, startBounceListener } from './bounce-listener.js';
import { startBounceMailbox } from './bounce-mailbox.js';
import { createDigestSweep, startDigestWorker } from './digests.js';

export interface Workers {
  /** The SMTP listener for returned mail, when BOUNCE_SMTP_PORT is set. */
  bounceListener: BounceListener | undefined;
  close(): Promise<void>;
}

type WorkerDeps = Pick<
  Deps,
  | 'config'
  | 'logger'
  | 'database'
  | 'db'
  | 'email'
  | 'sms'
  | 'now'
  | 'producer'
  | 'settings'
  | 'retention'
  | 'subscribers'
  | 'metrics'
  | 'webhookQueue'
  | 'bounces'
  | 'surveyLinks'
  | 'digests'
>;

/**
 * Everything that runs in the background: one queue processor per channel and one for
 * webhooks, the follow-up dispatcher, the reconciler, the webhook sweep, the deadline check,
 * the retention purge, the problem summaries and their sweep, and the listener and the mailbox reader for returned mail. `close` stops taking work and lets
 * what is in flight finish, so SIGTERM loses nothing.
 */
export async function startWorkers(deps: WorkerDeps): Promise<Workers> {
  const { config, logger } = deps;
  const senders = startSenders(deps);
  const webhooks = startWebhookWorker(deps);
  const digestWorker = startDigestWorker(deps);
  const dispatcher = createDispatcher({ db: deps.db, logger, now: deps.now, subscribers: deps.subscribers });
  const reconciler = createReconciler({
    db: deps.db,
    producer: deps.producer,
    logger,
    now: deps.now,
    stuckAfterMs: config.WORKER_LOCK_MS * 2,
    metrics: deps.metrics,
  });
  const sweep = createWebhookSweep(deps);
  const digestSweep = createDigestSweep(deps);
  const deadlines = createDeadlineWatch({ db: deps.db, now: deps.now, logger });
  const retention = periodic('retention purge', deps.retention.purge, logger);
  dispatcher.start(config.FOLLOWUP_INTERVAL_MS);
  reconciler.start(config.RECONCILE_INTERVAL_MS);
  retention.start(config.PURGE_INTERVAL_MS);
  sweep.start(config.RECONCILE_INTERVAL_MS);
  digestSweep.start(config.RECONCILE_INTERVAL_MS);
  deadlines.start(config.DEADLINE_CHECK_INTERVAL_MS);
  const bounceListener =
    deps.bounces && config.BOUNCE_SMTP_PORT !== undefined
      ? await startBounceListener({
          intake: deps.bounces,
          logger,
          metrics: deps.metrics,
          port: config.BOUNCE_SMTP_PORT,
          host: config.BOUNCE_SMTP_HOST,
          maxBytes: config.BOUNCE_MAX_BYTES,
        })
      : undefined;
  const bounceMailbox =
    deps.bounces && config.BOUNCE_IMAP_URL
      ? startBounceMailbox({
          intake: deps.bounces,
          logger,
          metrics: deps.metrics,
          database: deps.database,
          url: config.BOUNCE_IMAP_URL,
          intervalMs: config.BOUNCE_IMAP_INTERVAL_MS,
          done: config.BOUNCE_IMAP_DONE,
          doneFolder: config.BOUNCE_IMAP_DONE_FOLDER,
          unknownFolder: config.BOUNCE_IMAP_UNKNOWN_FOLDER,
          maxBytes: config.BOUNCE_MAX_BYTES,
        })
      : undefined;
  logger.debug('workers started');
  return {
    bounceListener,
    async close() {
      await Promise.all([bounceListener?.close(), bounceMailbox?.close()]);
      await Promise.all([
        dispatcher.stop(),
        reconciler.stop(),
        retention.stop(),
        sweep.stop(),
        digestSweep.stop(),
        deadlines.stop(),
      ]);
      await Promise.all([senders.close(), webhooks.close(), digestWorker.close()]);
    },
  };
}
