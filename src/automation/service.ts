import type { AgencySettings, AgencySettingsService } from '../agencies/settings.js';
import type { Db } from '../db/client.js';
import { type Actor, recordEvent } from '../history/record.js';
import type { Caller } from '../keys/service.js';
import type { Logger } from '../logger.js';
import type { MessageRow } from '../messages/repository.js';
import type { Messages } from '../messages/service.js';
import type { Milestones, Project } from '../projects/schema.js';

export interface ProjectChange {
  kind: 'created' | 'updated' | 'milestones';
  before: Project | undefined;
  after: Project;
  caller: Caller;
}

export interface AutomationDeps {
  db: Db;
  messages: Messages;
  settings: AgencySettingsService;
  logger: Logger;
  now: () => Date;
}

type Mode = AgencySettings['automation']['accuseReception'];

const AUTOMATION: Actor = { name: 'automation' };
const DAY_MS = 24 * 3600 * 1000;
const newlySet = (before: Milestones | undefined, after: Milestones, code: keyof Milestones) =>
  !before?.[code]?.actual && Boolean(after[code]?.actual);

/**
 * Milestone mails prepared without asking: the welcome mail when an order arrives, the
 * kick-off recap when the RLE took place, the closure mail and its survey reminder when the
 * deployment ends. Each agency chooses off, draft (waiting for the RAC's personal touch) or send.
 */
export function createAutomation(deps: AutomationDeps) {
  const { messages } = deps;

  /** Creates the milestone mail unless one already exists (a replay must not prepare it twice). */
  async function prepare(project: Project, caller: Caller, template: string, mode: Mode): Promise<string | undefined> {
    if (mode === 'off') return undefined;
    const existing = await messages.internal.find({ projectRef: project.ref, template });
    const live = existing.find((m) => m.origin === 'automation' && m.status !== 'cancelled');
    if (live) return live.id;
    const created = await messages.create({ projectRef: project.ref, template, draft: mode === 'draft' }, caller, {
      origin: 'automation',
    });
    return created.id;
  }

  async function onProjectChange(change: ProjectChange): Promise<void> {
    const { after, caller } = change;
    const settings = (await deps.settings.get(after.agency)).automation;
    if (change.kind === 'created') await prepare(after, caller, 'accuse-reception', settings.accuseReception);
    if (newlySet(change.before?.milestones, after.milestones, 'rle')) {
      await prepare(after, caller, 'rle-recap', settings.rleRecap);
    }
    if (newlySet(change.before?.milestones, after.milestones, 'deploymentEnd')) {
      const closure = await prepare(after, caller, 'cloture', settings.cloture);
      if (closure) {
        // Prepared now, so the RAC sees the whole sequence; scheduled once the closure mail is sent.
        const reminders = await messages.internal.find({ projectRef: after.ref, parentId: closure });
        if (reminders.length === 0) {
          await messages.create({ projectRef: after.ref, template: 'relance-bilan', draft: true }, caller, {
            origin: 'automation',
            parentId: closure,
          });
        }
      }
    }
  }

  return {
    /** Never fails the caller's request: the order is stored; a missed automation is logged. */
    async onProjectChange(change: ProjectChange): Promise<void> {
      try {
        await onProjectChange(change);
      } catch (err) {
        // Typically an order without a reachable contact yet: say so where the RAC looks.
        deps.logger.warn({ err, projectRef: change.after.ref }, 'milestone automation could not prepare a message');
        await recordEvent(deps.db, {
          projectRef: change.after.ref,
          type: 'automation.failed',
          actor: AUTOMATION,
          data: { reason: err instanceof Error ? err.message : String(err) },
        }).catch(() => {});
      }
    },

    /** The closure mail went out: its survey reminder is due some days later. */
    async afterSent(row: MessageRow): Promise<void> {
      if (row.templateKey !== 'cloture') return;
      try {
        const settings = (await deps.settings.get(row.agency)).automation;
        const at = new Date((row.sentAt ?? deps.now()).getTime() + settings.surveyReminderDays * DAY_MS);
        for (const child of await messages.internal.find({ projectRef: row.projectRef, parentId: row.id })) {
          if (child.status === 'draft') await messages.internal.schedule(child.id, AUTOMATION, at);
        }
      } catch (err) {
        deps.logger.error({ err, messageId: row.id }, 'could not schedule the survey reminder');
      }
    },

    /** A cancelled closure mail takes its survey reminder with it. */
    async afterCancel(row: MessageRow, actor: Actor): Promise<void> {
      if (row.templateKey !== 'cloture') return;
      for (const child of await messages.internal.find({ projectRef: row.projectRef, parentId: row.id })) {
        if (child.status === 'draft' || child.status === 'scheduled') {
          await messages.internal.cancel(child.id, actor, 'closure mail cancelled');
        }
      }
    },
  };
}
export type Automation = ReturnType<typeof createAutomation>;
