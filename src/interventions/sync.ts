import { reminderPolicy, type AgencySettingsService } from '../agencies/settings.js';
import type { DbOrTx } from '../db/client.js';
import { AppError } from '../errors.js';
import type { Actor } from '../history/record.js';
import type { Messages } from '../messages/service.js';
import type { Project } from '../projects/schema.js';
import { lockContact, syncDayReminders } from './day-reminders.js';
import { syncCancellationSms, syncNotice } from './notice-sync.js';
import { REMINDERS, type ReminderTemplate } from './reminders.js';
import { createVisitWrites, type Mirror, type ReminderSummary, visitData, type VisitRow } from './visit-writes.js';

export { visitData, type ReminderSummary, type VisitRow } from './visit-writes.js';

export interface SyncDeps {
  messages: Messages;
  settings: AgencySettingsService;
  now: () => Date;
}

/**
 * Brings a visit's messages in line with the visit as it is now, inside the caller's
 * transaction: its email notices (./notice-sync.ts), the SMS reminder of its day
 * (./day-reminders.ts) and, for a visit cancelled shortly before it, a cancellation SMS.
 * Returns what to mirror in the queue once it committed.
 */
export function createReminderSync({ messages, settings, now }: SyncDeps) {
  /**
   * Renders both messages of a visit before anything is written, so that a visit is never
   * half-booked. A template that cannot go to this contact (a number outside the SMS
   * countries) is reported as skipped rather than refusing the visit.
   */
  async function check(
    project: Project,
    row: Pick<VisitRow, 'siteRef' | 'kind' | 'windowStart' | 'windowEnd' | 'contactId'>,
  ) {
    const refused: Partial<Record<ReminderTemplate, string>> = {};
    for (const { template, channel } of REMINDERS) {
      const contact = project.contacts.find((c) => c.id === row.contactId);
      if (!(channel === 'email' ? contact?.email : contact?.mobile)) continue;
      try {
        await messages.checkRender(project, {
          template,
          recipients: { to: [{ contactId: row.contactId }] },
          blocks: {},
          data: visitData(row),
        });
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'recipient_not_allowed') throw error;
        refused[template] = error.message;
      }
    }
    return refused;
  }

  /** `before`: the visit as it was, when it was booked already (its former day may change too). */
  async function sync(
    tx: DbOrTx,
    project: Project,
    row: VisitRow,
    actor: Actor,
    refused: Partial<Record<ReminderTemplate, string>> = {},
    before?: VisitRow,
  ): Promise<{ summary: ReminderSummary[]; toMirror: Mirror }> {
    for (const contactId of [...new Set([row.contactId, before?.contactId ?? row.contactId])].sort())
      await lockContact(tx, project.ref, contactId);
    const policy = reminderPolicy(await settings.get(project.agency, tx));
    const w = createVisitWrites({ ops: messages.internal, now, tx, project, actor, policy, refused });
    const owned = await messages.internal.find(tx, { projectRef: project.ref, interventionId: row.id });
    const summary = [
      ...(await syncNotice(w, row, owned)),
      ...(await syncDayReminders(w, row, before, owned)),
      ...(await syncCancellationSms(w, row, owned)),
    ];
    return { summary, toMirror: w.toMirror };
  }

  return { check, sync };
}
export type ReminderSync = ReturnType<typeof createReminderSync>;
