import type { Db } from '../db/client.js';
import type { CommittedEvent, Subscriber } from '../history/followups.js';
import { loadProject } from '../projects/repository.js';
import type { Messages } from './service.js';

/** What changes a message's content while it waits: the order, its sites, its RAC's signature. */
const CAUSES = ['project.updated', 'milestones.updated', 'sites.imported', 'rac.profile_updated'];
const FRESHNESS = { name: 'automation' };

/**
 * Drafts stay true: every message of an order not sent yet is rendered again, as a follow-up,
 * when the order, its milestones, its site list or its RAC's profile changed. What the RAC
 * typed is kept. A second delivery of the event finds the messages already rendered from the
 * order's current version (or after the event) and leaves them alone.
 */
export function createDraftRefresher({ db, messages }: { db: Db; messages: Messages }): Subscriber {
  return {
    name: 'drafts',
    events: CAUSES,
    async handle(event: CommittedEvent) {
      const project = await loadProject(db, event.projectRef);
      if (!project) return;
      const pending = await messages.internal.find(db, { projectRef: project.ref, pending: true });
      for (const row of pending) {
        const fresh =
          event.type === 'rac.profile_updated'
            ? (row.renderedAt?.getTime() ?? 0) >= event.at.getTime()
            : row.renderedVersion !== null && row.renderedVersion >= project.version;
        if (fresh) continue;
        await messages.internal.rerender(db, row, project, { ...FRESHNESS, onBehalfOf: project.rac.id }, event.type);
      }
    },
  };
}
