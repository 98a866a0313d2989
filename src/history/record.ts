import type { DbOrTx } from '../db/client.js';
import { recordStatement } from '../stats/aggregates.js';

/** Who acted: the key's name, and the RAC on whose behalf an integration acted, if known. */
export interface Actor {
  name: string;
  onBehalfOf?: string | undefined;
}

/**
 * Appends one event to a project's history; callers pass their transaction. The statistics
 * counters the event feeds are updated by the same statement (see src/stats/aggregates.ts).
 */
export async function recordEvent(
  db: DbOrTx,
  event: { projectRef: string; type: string; actor?: Actor | undefined; data?: Record<string, unknown> },
): Promise<void> {
  await db.execute(
    recordStatement({
      projectRef: event.projectRef,
      type: event.type,
      actor: event.actor?.name ?? null,
      data: { ...(event.data ?? {}), ...(event.actor?.onBehalfOf ? { onBehalfOf: event.actor.onBehalfOf } : {}) },
    }),
  );
}
