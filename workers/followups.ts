import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import type { CommittedEvent, Subscriber } from '../src/history/followups.js';
import type { Logger } from '../src/logger.js';

export interface DispatcherDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  subscribers: readonly Subscriber[];
  /** How long a batch is leased: a dispatcher that dies gives its events back after this. */
  leaseMs?: number;
  batchSize?: number;
}

/** Retries of a failing follow-up back off up to this; it is never dropped silently. */
const MAX_BACKOFF_MS = 10 * 60_000;

interface Leased {
  id: string | number;
  project_ref: string;
  type: string;
  actor: string | null;
  data: Record<string, unknown> | string;
  at: string | Date;
  attempts: number;
}

/**
 * Hands committed events to their subscribers. Several dispatchers (one per worker process)
 * share the outbox: each leases a batch with `FOR UPDATE SKIP LOCKED` and a lease time, runs
 * the handlers in event order, then deletes what succeeded and pushes back what failed.
 */
export function createDispatcher(deps: DispatcherDeps) {
  const leaseMs = deps.leaseMs ?? 30_000;
  const batchSize = deps.batchSize ?? 100;
  const byType = new Map<string, Subscriber[]>();
  for (const subscriber of deps.subscribers) {
    for (const type of subscriber.events) byType.set(type, [...(byType.get(type) ?? []), subscriber]);
  }

  async function lease(): Promise<Leased[]> {
    const now = deps.now();
    const result = await deps.db.execute(sql`with batch as (
        select event_id from event_outbox where available_at <= ${now.toISOString()}::timestamptz
        order by event_id limit ${batchSize} for update skip locked),
      leased as (update event_outbox o set available_at = ${new Date(now.getTime() + leaseMs).toISOString()}::timestamptz,
        attempts = o.attempts + 1 from batch where o.event_id = batch.event_id returning o.event_id, o.attempts)
      select e.id, e.project_ref, e.type, e.actor, e.data, e.at, leased.attempts
      from leased join history_events e on e.id = leased.event_id order by e.id`);
    return (result as { rows: Leased[] }).rows;
  }

  async function handle(event: CommittedEvent, batch: object): Promise<string | undefined> {
    for (const subscriber of byType.get(event.type) ?? []) {
      try {
        await subscriber.handle(event, batch);
      } catch (error) {
        deps.logger.warn(
          { err: error, eventId: event.id, subscriber: subscriber.name },
          'follow-up failed; will retry',
        );
        return `${subscriber.name}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500);
      }
    }
    return undefined;
  }

  /** One batch; returns how many events it handled (0 when the outbox is empty). */
  async function drain(): Promise<number> {
    const batch = await lease();
    const done: number[] = [];
    const scope = {};
    for (const row of batch) {
      const event: CommittedEvent = {
        id: Number(row.id),
        projectRef: row.project_ref,
        type: row.type,
        actor: row.actor,
        data: typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, unknown>) : row.data,
        at: new Date(row.at),
      };
      const failure = await handle(event, scope);
      if (failure === undefined) {
        done.push(event.id);
        continue;
      }
      const backoff = Math.min(1_000 * 2 ** Math.min(row.attempts, 10), MAX_BACKOFF_MS);
      await deps.db.execute(sql`update event_outbox set last_error = ${failure},
        available_at = ${new Date(deps.now().getTime() + backoff).toISOString()}::timestamptz where event_id = ${event.id}`);
    }
    if (done.length > 0) {
      await deps.db.execute(
        sql`delete from event_outbox where event_id in (${sql.join(
          done.map((id) => sql`${id}`),
          sql`, `,
        )})`,
      );
    }
    return batch.length;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  /** Drains until the outbox is empty, then waits `intervalMs` before looking again. */
  function start(intervalMs: number): void {
    stopped = false;
    const loop = async () => {
      try {
        while (!stopped && (await drain()) > 0) {
          // keep going while there is work
        }
      } catch (error) {
        deps.logger.warn({ err: error }, 'follow-up dispatch failed; will retry');
      }
      if (!stopped)
        timer = setTimeout(() => {
          running = loop();
        }, intervalMs);
    };
    running = loop();
  }

  return {
    drain,
    start,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
export type Dispatcher = ReturnType<typeof createDispatcher>;
