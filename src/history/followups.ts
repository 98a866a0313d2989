/**
 * Follow-ups of committed history events. Every event is written to the outbox by the
 * statement that records it (src/stats/aggregates.ts); the dispatcher (workers/followups.ts)
 * hands each to the subscribers interested in its type, at least once. Handlers must be
 * idempotent: a dispatcher that dies mid-way gives its events back, and they run again.
 */

export interface CommittedEvent {
  id: number;
  projectRef: string;
  type: string;
  actor: string | null;
  data: Record<string, unknown>;
  at: Date;
}

export interface Subscriber {
  /** For logs and the outbox's last error. */
  name: string;
  /** The event types it acts on. */
  events: readonly string[];
  /**
   * `batch` is the same object for every event of one dispatched batch: what a handler reads
   * that does not depend on the event may be read once per batch (keyed by it in a WeakMap).
   */
  handle(event: CommittedEvent, batch: object): Promise<void>;
}
