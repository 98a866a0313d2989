import type { DbOrTx } from '../db/client.js';
import { recordStatement } from '../stats/aggregates.js';

/** Who acted: the key's name, and the RAC on whose behalf an integration acted, if known. */
export interface Actor {
  name: string;
  onBehalfOf?: string | undefined;
}

export interface NewEvent {
  projectRef: string;
  type: string;
  actor?: Actor | undefined;
  data?: Record<string, unknown>;
  /** The service clock's time of the event. */
  at: Date;
}

/** The history's `data` of an event: what the caller gave, and on whose behalf. */
export const eventData = (event: Pick<NewEvent, 'actor' | 'data'>): Record<string, unknown> => ({
  ...(event.data ?? {}),
  ...(event.actor?.onBehalfOf ? { onBehalfOf: event.actor.onBehalfOf } : {}),
});

/**
 * Appends one event to a project's history; callers pass their transaction. The same
 * statement puts it in the outbox of follow-ups and updates the statistics it feeds (see
 * src/stats/aggregates.ts). Message status changes record their events in ../messages/moves.ts.
 */
export async function recordEvent(db: DbOrTx, event: NewEvent): Promise<void> {
  await db.execute(
    recordStatement({
      projectRef: event.projectRef,
      type: event.type,
      actor: event.actor?.name ?? null,
      data: eventData(event),
      at: event.at,
    }),
  );
}
