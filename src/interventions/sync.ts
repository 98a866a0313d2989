import { reminderPolicy, type AgencySettingsService } from '../agencies/settings.js';
import type { DbOrTx } from '../db/client.js';
import type { interventions } from '../db/schema.js';
import { AppError } from '../errors.js';
import { type Actor, recordEvent } from '../history/record.js';
import { isPending } from '../messages/lifecycle.js';
import type { MessageRow } from '../messages/moves.js';
import type { Messages } from '../messages/service.js';
import type { Project } from '../projects/schema.js';
import { paris } from './view.js';
import { planReminders, type ReminderPlan, REMINDERS, type ReminderTemplate } from './reminders.js';

export type VisitRow = typeof interventions.$inferSelect;

export interface ReminderSummary {
  template: ReminderTemplate;
  messageId?: string;
  status?: string;
  sendAt?: string;
  skipped?: string;
  message?: string;
}

/** What a visit's messages say about it: its site, kind and window. */
export const visitData = (row: Pick<VisitRow, 'siteRef' | 'kind' | 'windowStart' | 'windowEnd'>) => ({
  siteRef: row.siteRef,
  kind: row.kind,
  windowStart: paris(row.windowStart),
  windowEnd: paris(row.windowEnd),
});

export interface SyncDeps {
  messages: Messages;
  settings: AgencySettingsService;
  now: () => Date;
}

/**
 * Brings a visit's notice and reminder in line with its current window (or cancellation),
 * inside the caller's transaction. Returns what to mirror in the queue once it committed.
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

  async function sync(
    tx: DbOrTx,
    project: Project,
    row: VisitRow,
    actor: Actor,
    refused: Partial<Record<ReminderTemplate, string>> = {},
  ): Promise<{ summary: ReminderSummary[]; toMirror: { row: MessageRow; moved: boolean }[] }> {
    const owned = await messages.internal.find(tx, { projectRef: project.ref, interventionId: row.id });
    const site = project.sites.find((s) => s.ref === row.siteRef);
    const contact = project.contacts.find((c) => c.id === row.contactId);
    const policy = reminderPolicy(await settings.get(project.agency, tx));
    const plans = site && contact ? planReminders(row, site, contact, now(), policy) : undefined;
    const summary: ReminderSummary[] = [];
    const toMirror: { row: MessageRow; moved: boolean }[] = [];
    for (const { template } of REMINDERS) {
      const current = owned.filter((m) => m.templateKey === template && m.status !== 'cancelled').at(-1);
      if (current && !isPending(current.status)) {
        // Already gone out: what the client received stays as it was.
        summary.push({ template, messageId: current.id, status: current.status, sendAt: current.sendAt.toISOString() });
        continue;
      }
      const refusal = refused[template];
      const plan: ReminderPlan | undefined = refusal
        ? { skip: true, reason: 'recipient_not_allowed', message: refusal }
        : plans?.[template];
      if (row.status === 'cancelled' || !plan || plan.skip) {
        if (current) {
          const reason = row.status === 'cancelled' ? 'visit cancelled' : 'no longer possible';
          toMirror.push({ row: await messages.internal.cancel(tx, current, actor, reason), moved: false });
        }
        if (row.status !== 'cancelled' && plan?.skip) {
          await recordEvent(tx, {
            projectRef: project.ref,
            type: 'reminder.skipped',
            actor,
            data: { interventionId: row.id, template, reason: plan.reason, message: plan.message },
            at: now(),
          });
          summary.push({ template, skipped: plan.reason, message: plan.message });
        }
        continue;
      }
      const data = visitData(row);
      const message = current
        ? await messages.internal.update(tx, current, project, { sendAt: plan.sendAt, data }, actor, [
            { contactId: row.contactId },
          ])
        : await messages.internal.prepare(
            tx,
            project,
            { template, recipients: { to: [{ contactId: row.contactId }] }, blocks: {}, data, sendAt: plan.sendAt },
            actor,
            { origin: 'reminder', interventionId: row.id },
          );
      toMirror.push({ row: message, moved: current !== undefined });
      summary.push({ template, messageId: message.id, status: message.status, sendAt: message.sendAt.toISOString() });
    }
    return { summary, toMirror };
  }

  return { check, sync };
}
export type ReminderSync = ReturnType<typeof createReminderSync>;
