import { and, eq } from 'drizzle-orm';
import type { AgencySettings, AgencySettingsService } from '../agencies/settings.js';
import type { Db } from '../db/client.js';
import { messages as messageTable } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { CommittedEvent, Subscriber } from '../history/followups.js';
import { type Actor, recordEvent } from '../history/record.js';
import type { Logger } from '../logger.js';
import { isPending } from '../messages/lifecycle.js';
import type { MessageRow } from '../messages/moves.js';
import type { Messages } from '../messages/service.js';
import { loadProject } from '../projects/repository.js';
import type { Project } from '../projects/schema.js';

export interface AutomationDeps {
  db: Db;
  messages: Messages;
  settings: AgencySettingsService;
  logger: Logger;
  now: () => Date;
}

type Mode = AgencySettings['automation']['accuseReception'];

/** Automation acts for the order's RAC, whose mail it prepares. */
const automationFor = (project: Project): Actor => ({ name: 'automation', onBehalfOf: project.rac.id });
const DAY_MS = 24 * 3600 * 1000;
const CLOSURE = 'cloture';

/** The milestones an order event says were newly given (`milestonesSet`) or lost (`milestonesCleared`) an actual date. */
const milestones = (event: CommittedEvent, key: 'milestonesSet' | 'milestonesCleared'): string[] => {
  const list = event.data[key];
  return Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : [];
};

/**
 * Milestone mails prepared without asking: the welcome mail when an order arrives, the
 * kick-off recap when the RLE took place, the closure mail and its survey reminder when the
 * deployment ends. Each agency chooses off, draft (waiting for the RAC's personal touch) or
 * send. It runs as a follow-up of the committed order events, so the order tool's request
 * never waits for it nor fails because of it; a second delivery of an event prepares nothing.
 */
export function createAutomation(deps: AutomationDeps): Subscriber {
  const { db, messages, now } = deps;

  async function alreadyDone(event: CommittedEvent, project: Project, template: string): Promise<boolean> {
    const rows = await messages.internal.find(db, { projectRef: project.ref, template });
    // This event prepared it already, or the order has one already (the RAC's own, say).
    return rows.some((m) => m.causeEventId === event.id || m.status !== 'cancelled');
  }

  async function prepare(event: CommittedEvent, project: Project, template: string, mode: Mode, child?: string) {
    if (mode === 'off' || (await alreadyDone(event, project, template))) return;
    const prepared: MessageRow[] = [];
    await db.transaction(async (tx) => {
      const provenance = { origin: 'automation', causeEventId: event.id };
      const row = await messages.internal.prepare(
        tx,
        project,
        { template, draft: mode === 'draft', blocks: {}, data: {} },
        automationFor(project),
        provenance,
      );
      prepared.push(row);
      if (child) {
        // Prepared now, so the RAC sees the whole sequence; scheduled once the closure mail is sent.
        prepared.push(
          await messages.internal.prepare(
            tx,
            project,
            { template: child, draft: true, blocks: {}, data: {} },
            automationFor(project),
            {
              ...provenance,
              parentId: row.id,
            },
          ),
        );
      }
    });
    for (const row of prepared) await messages.internal.mirror(row);
  }

  async function onOrder(event: CommittedEvent): Promise<void> {
    const project = await loadProject(db, event.projectRef);
    if (!project) return;
    const settings = (await deps.settings.get(project.agency)).automation;
    const set = milestones(event, 'milestonesSet');
    if (milestones(event, 'milestonesCleared').includes('rle')) await withdrawRecap(event, project);
    try {
      if (event.type === 'project.created') await prepare(event, project, 'accuse-reception', settings.accuseReception);
      if (set.includes('rle')) await prepare(event, project, 'rle-recap', settings.rleRecap);
      if (set.includes('deploymentEnd')) await prepare(event, project, CLOSURE, settings.cloture, 'relance-bilan');
    } catch (err) {
      // A permanent refusal (typically an order without a reachable contact yet) is said where
      // the RAC looks; anything else is retried by the dispatcher.
      if (!(err instanceof AppError) || err.statusCode >= 500) throw err;
      deps.logger.warn({ err, projectRef: project.ref }, 'milestone automation could not prepare a message');
      await recordEvent(db, {
        projectRef: project.ref,
        type: 'automation.failed',
        actor: automationFor(project),
        data: { reason: err.message, eventId: event.id },
        at: now(),
      });
    }
  }

  /** The RLE did not take place after all: the recap prepared for it is withdrawn. */
  async function withdrawRecap(event: CommittedEvent, project: Project): Promise<void> {
    const recaps = await messages.internal.find(db, { projectRef: project.ref, template: 'rle-recap', pending: true });
    for (const recap of recaps.filter((m) => m.origin === 'automation')) {
      await messages.internal.mirror(
        await messages.internal.cancel(db, recap, automationFor(project), 'the RLE date was removed'),
      );
    }
  }

  const children = (event: CommittedEvent) =>
    db
      .select()
      .from(messageTable)
      .where(
        and(eq(messageTable.projectRef, event.projectRef), eq(messageTable.parentId, String(event.data.messageId))),
      );

  /** The closure mail went out: its survey reminder is due some days later. */
  async function onClosureSent(event: CommittedEvent): Promise<void> {
    const project = await loadProject(db, event.projectRef);
    if (!project) return;
    const days = (await deps.settings.get(project.agency)).automation.surveyReminderDays;
    const at = new Date(event.at.getTime() + days * DAY_MS);
    for (const child of await children(event)) {
      if (child.status !== 'draft') continue;
      await messages.internal.mirror(await messages.internal.schedule(db, child, project, automationFor(project), at));
    }
  }

  /** A cancelled closure mail takes its survey reminder with it. */
  async function onClosureCancelled(event: CommittedEvent): Promise<void> {
    const project = await loadProject(db, event.projectRef);
    if (!project) return;
    for (const child of await children(event)) {
      if (!isPending(child.status)) continue;
      await messages.internal.mirror(
        await messages.internal.cancel(db, child, automationFor(project), 'closure mail cancelled'),
      );
    }
  }

  return {
    name: 'automation',
    events: ['project.created', 'project.updated', 'milestones.updated', 'message.sent', 'message.cancelled'],
    async handle(event) {
      if (event.type === 'message.sent' || event.type === 'message.cancelled') {
        if (event.data.template !== CLOSURE) return;
        return event.type === 'message.sent' ? onClosureSent(event) : onClosureCancelled(event);
      }
      return onOrder(event);
    },
  };
}
