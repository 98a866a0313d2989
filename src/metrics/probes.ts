import type { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { withTimeout } from '../lib/timeout.js';
import type { Metrics } from './registry.js';

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;
const STATES = ['waiting', 'delayed', 'active', 'failed'] as const;

/** The figures read at scrape time: queue depth from Redis, follow-up lag and webhook backlog from PostgreSQL. */
export function registerProbes(metrics: Metrics, deps: { db: Db; now: () => Date; queues: () => Queue[] }): void {
  metrics.probe('queues', async () => {
    await Promise.all(
      deps.queues().map(async (queue) => {
        try {
          const counts = await withTimeout(queue.getJobCounts(...STATES), 2_000);
          for (const state of STATES) metrics.queueJobs.set({ queue: queue.name, state }, counts[state] ?? 0);
        } catch {
          // Redis away: no figure rather than a stale one (the alert on absence catches it).
          for (const state of STATES) metrics.queueJobs.remove({ queue: queue.name, state });
        }
      }),
    );
  });

  metrics.probe('outbox', async () => {
    const [row] = rowsOf<{ total: number; failing: number; oldest: string | Date | null }>(
      await deps.db.execute(sql`select count(*)::int as total,
          count(*) filter (where o.last_error is not null)::int as failing, min(e.at) as oldest
        from event_outbox o join history_events e on e.id = o.event_id`),
    );
    // Events carry the service clock: their age is measured with the same one.
    const oldest = row?.oldest ? new Date(row.oldest).getTime() : undefined;
    metrics.followupLag.set(oldest === undefined ? 0 : Math.max(0, (deps.now().getTime() - oldest) / 1000));
    metrics.followupBacklog.set({ state: 'waiting' }, row?.total ?? 0);
    metrics.followupBacklog.set({ state: 'failing' }, row?.failing ?? 0);
  });

  metrics.probe('webhooks', async () => {
    const [row] = rowsOf<{ pending: number; enabled: number; failing: number; disabled: number }>(
      await deps.db.execute(sql`select
          (select count(*)::int from webhook_deliveries where status = 'pending') as pending,
          count(*) filter (where disabled_at is null and failing_since is null)::int as enabled,
          count(*) filter (where disabled_at is null and failing_since is not null)::int as failing,
          count(*) filter (where disabled_at is not null)::int as disabled
        from webhook_endpoints`),
    );
    metrics.webhookPending.set(row?.pending ?? 0);
    for (const state of ['enabled', 'failing', 'disabled'] as const) {
      metrics.webhookEndpoints.set({ state }, row?.[state] ?? 0);
    }
  });
}
