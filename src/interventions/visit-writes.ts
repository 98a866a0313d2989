import type { DbOrTx } from '../db/client.js';
import type { interventions } from '../db/schema.js';
import { AppError } from '../errors.js';
import { type Actor, recordEvent } from '../history/record.js';
import type { MessageRow } from '../messages/moves.js';
import type { Messages } from '../messages/service.js';
import type { Project } from '../projects/schema.js';
import type { ReminderPolicy } from './calendar.js';
import { sameVisit, type VisitFields, visitFieldsOf } from './notices.js';
import { planReminders, type ReminderPlan, type ReminderTemplate } from './reminders.js';
import { paris } from './view.js';

/** How a visit's messages are written, for the steps of ./sync.ts: one transaction, one actor. */

export type VisitRow = typeof interventions.$inferSelect;
export type Mirror = { row: MessageRow; moved: boolean }[];

/** What the booking answer says of each message of the visit. */
export interface ReminderSummary {
  template: string;
  messageId?: string;
  status?: string;
  sendAt?: string;
  /** SMS: how many segments it takes (the warnings say why when more than one). */
  segments?: number;
  warnings?: string[];
  skipped?: string;
  message?: string;
}

/** What a visit's messages say about it: its site, kind and window. */
export const visitData = (row: Pick<VisitRow, 'siteRef' | 'kind' | 'windowStart' | 'windowEnd'>): VisitFields => ({
  siteRef: row.siteRef,
  kind: row.kind,
  windowStart: paris(row.windowStart),
  windowEnd: paris(row.windowEnd),
});

export const summaryOf = (m: MessageRow): ReminderSummary => ({
  template: m.templateKey,
  messageId: m.id,
  status: m.status,
  sendAt: m.sendAt.toISOString(),
  ...(m.channel === 'sms' && m.smsSegments ? { segments: m.smsSegments } : {}),
  ...(m.warnings.length > 0 ? { warnings: m.warnings } : {}),
});

/** The visits a message names, as stored in its data (a day's reminder names several). */
export const namedVisits = (data: Record<string, unknown>): VisitFields[] => [
  visitFieldsOf(data),
  ...(Array.isArray(data.others) ? data.others.map((o) => visitFieldsOf(o as Record<string, unknown>)) : []),
];

export const sameVisits = (a: VisitFields[], b: VisitFields[]) =>
  a.length === b.length && a.every((visit, index) => sameVisit(visit, b[index]!));

/** Same visits named, and for a modification the same former visit: rendering it again would change nothing. */
function sameContent(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const before = (data: Record<string, unknown>) =>
    data.previous ? [visitFieldsOf(data.previous as Record<string, unknown>)] : [];
  return sameVisits(namedVisits(a), namedVisits(b)) && sameVisits(before(a), before(b));
}

export interface VisitWritesDeps {
  ops: Messages['internal'];
  now: () => Date;
  tx: DbOrTx;
  project: Project;
  actor: Actor;
  policy: ReminderPolicy;
  /** Templates the check before the transaction found this contact cannot receive. */
  refused: Partial<Record<ReminderTemplate, string>>;
}

export function createVisitWrites({ ops, now, tx, project, actor, policy, refused }: VisitWritesDeps) {
  const toMirror: Mirror = [];

  const cancel = async (m: MessageRow, reason: string) => {
    toMirror.push({ row: await ops.cancel(tx, m, actor, reason), moved: false });
  };

  /** A message that will not go, with why, in the history and the answer. */
  const skipped = async (visit: VisitRow, template: string, plan: { reason: string; message: string }) => {
    await recordEvent(tx, {
      projectRef: project.ref,
      type: 'reminder.skipped',
      actor,
      data: { interventionId: visit.id, template, reason: plan.reason, message: plan.message },
      at: now(),
    });
    return { template, skipped: plan.reason, message: plan.message };
  };

  /** A new message of the visit, or why it cannot go to this contact (the rules changed since). */
  const prepare = async (visit: VisitRow, template: string, data: Record<string, unknown>, sendAt: Date) => {
    try {
      const prepared = await ops.prepare(
        tx,
        project,
        { template, recipients: { to: [{ contactId: visit.contactId }] }, blocks: {}, data, sendAt },
        actor,
        { origin: 'reminder', interventionId: visit.id },
      );
      toMirror.push({ row: prepared, moved: false });
      return summaryOf(prepared);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'recipient_not_allowed') throw error;
      return skipped(visit, template, { reason: 'recipient_not_allowed', message: error.message });
    }
  };

  /** A pending message brought in line; left alone when it already says this, to this person, then. */
  const rewrite = async (m: MessageRow, visit: VisitRow, data: Record<string, unknown>, sendAt?: Date) => {
    const same =
      m.to[0]?.contactId === visit.contactId &&
      sameContent(m.data, data) &&
      (!sendAt || m.sendAt.getTime() === sendAt.getTime());
    if (same) return summaryOf(m);
    const next = await ops.update(tx, m, project, { sendAt: sendAt ?? now(), data }, actor, [
      { contactId: visit.contactId },
    ]);
    toMirror.push({ row: next, moved: true });
    return summaryOf(next);
  };

  /** When the notice and the reminder of this visit would go, or why they cannot. */
  const plansOf = (visit: VisitRow) => {
    const site = project.sites.find((s) => s.ref === visit.siteRef);
    const contact = project.contacts.find((c) => c.id === visit.contactId);
    return site && contact ? planReminders(visit, site, contact, now(), policy) : undefined;
  };

  const refusedPlan = (template: ReminderTemplate): ReminderPlan | undefined => {
    const refusal = refused[template];
    return refusal ? { skip: true, reason: 'recipient_not_allowed', message: refusal } : undefined;
  };

  return { tx, project, now, policy, ops, toMirror, cancel, skipped, prepare, rewrite, plansOf, refusedPlan };
}
export type VisitWrites = ReturnType<typeof createVisitWrites>;
