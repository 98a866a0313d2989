import { reminderPolicy, type AgencySettingsService } from '../agencies/settings.js';
import type { DbOrTx } from '../db/client.js';
import type { interventions } from '../db/schema.js';
import { AppError } from '../errors.js';
import { type Actor, recordEvent } from '../history/record.js';
import { isHeard, isPending } from '../messages/lifecycle.js';
import type { MessageRow } from '../messages/moves.js';
import type { Messages } from '../messages/service.js';
import type { Project } from '../projects/schema.js';
import { dayKeyOf, type DayKey, lockContact, reminderBatches, sameDayKey, visitsOfDay } from './day-reminders.js';
import {
  CANCELLATION,
  CANCELLATION_SMS,
  lastHeardNotice,
  NOTICE,
  NOTICE_TEMPLATES,
  sameVisit,
  type VisitFields,
  visitFieldsOf,
  wantedNotice,
} from './notices.js';
import { planReminders, type ReminderPlan, REMINDERS, type ReminderTemplate } from './reminders.js';
import { paris } from './view.js';

export type VisitRow = typeof interventions.$inferSelect;

const REMINDER = 'rappel-intervention';

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

const summaryOf = (m: MessageRow): ReminderSummary => ({
  template: m.templateKey,
  messageId: m.id,
  status: m.status,
  sendAt: m.sendAt.toISOString(),
  ...(m.channel === 'sms' && m.smsSegments ? { segments: m.smsSegments } : {}),
  ...(m.warnings.length > 0 ? { warnings: m.warnings } : {}),
});

/** The visits a reminder names, as stored in its data. */
const namedVisits = (data: Record<string, unknown>): VisitFields[] => [
  visitFieldsOf(data),
  ...(Array.isArray(data.others) ? data.others.map((o) => visitFieldsOf(o as Record<string, unknown>)) : []),
];
const sameVisits = (a: VisitFields[], b: VisitFields[]) =>
  a.length === b.length && a.every((visit, index) => sameVisit(visit, b[index]!));
/** Same visits named, and for a modification the same former visit: rendering it again would change nothing. */
function sameContent(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const before = (data: Record<string, unknown>) =>
    data.previous ? [visitFieldsOf(data.previous as Record<string, unknown>)] : [];
  return sameVisits(namedVisits(a), namedVisits(b)) && sameVisits(before(a), before(b));
}

export interface SyncDeps {
  messages: Messages;
  settings: AgencySettingsService;
  now: () => Date;
}

type Mirror = { row: MessageRow; moved: boolean }[];

/**
 * Brings a visit's messages in line with the visit as it is now, inside the caller's
 * transaction: its email notices (./notices.ts), the SMS reminder of its day
 * (./day-reminders.ts) and, for a visit cancelled shortly before it, a cancellation SMS.
 * Returns what to mirror in the queue once it committed.
 */
export function createReminderSync({ messages, settings, now }: SyncDeps) {
  const ops = messages.internal;

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
    before?: VisitRow,
  ): Promise<{ summary: ReminderSummary[]; toMirror: Mirror }> {
    for (const contactId of [...new Set([row.contactId, before?.contactId ?? row.contactId])].sort())
      await lockContact(tx, project.ref, contactId);
    const policy = reminderPolicy(await settings.get(project.agency, tx));
    const owned = await ops.find(tx, { projectRef: project.ref, interventionId: row.id });
    const summary: ReminderSummary[] = [];
    const toMirror: Mirror = [];
    const cancel = async (m: MessageRow, reason: string) =>
      toMirror.push({ row: await ops.cancel(tx, m, actor, reason), moved: false });
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
      if (
        m.to[0]?.contactId === visit.contactId &&
        sameContent(m.data, data) &&
        (!sendAt || m.sendAt.getTime() === sendAt.getTime())
      )
        return summaryOf(m);
      const next = await ops.update(tx, m, project, { sendAt: sendAt ?? now(), data }, actor, [
        { contactId: visit.contactId },
      ]);
      toMirror.push({ row: next, moved: true });
      return summaryOf(next);
    };
    const plansOf = (visit: VisitRow) => {
      const site = project.sites.find((s) => s.ref === visit.siteRef);
      const contact = project.contacts.find((c) => c.id === visit.contactId);
      return site && contact ? planReminders(visit, site, contact, now(), policy) : undefined;
    };
    const refusedPlan = (template: ReminderTemplate): ReminderPlan | undefined => {
      const refusal = refused[template];
      return refusal ? { skip: true, reason: 'recipient_not_allowed', message: refusal } : undefined;
    };

    /** The email the client must get about this visit, if any (./notices.ts decides). */
    async function syncNotice(): Promise<void> {
      const pending = owned.filter((m) => NOTICE_TEMPLATES.includes(m.templateKey) && isPending(m.status));
      const heard = lastHeardNotice(owned);
      const plan = refusedPlan(NOTICE) ?? plansOf(row)?.[NOTICE];
      const booked = row.status === 'booked';
      const reachable = plan !== undefined && (!plan.skip || plan.reason === 'window_in_past');
      const wish = wantedNotice({ booked, fields: visitData(row) }, heard, plan);
      const settle = async (keep: MessageRow | undefined, reason: string) => {
        for (const m of pending) if (m !== keep) await cancel(m, reason);
      };
      if (wish?.template === NOTICE) {
        const first = wish.plan;
        const keep = first.skip ? undefined : pending.filter((m) => m.templateKey === NOTICE).at(-1);
        await settle(keep, first.skip ? 'no longer possible' : 'replaced');
        summary.push(
          first.skip
            ? await skipped(row, NOTICE, first)
            : await (keep
                ? rewrite(keep, row, wish.data, first.sendAt)
                : prepare(row, NOTICE, wish.data, first.sendAt)),
        );
        return;
      }
      const goes = reachable ? wish : undefined;
      const keep = goes && pending.filter((m) => m.templateKey === goes.template).at(-1);
      await settle(keep, booked ? (goes ? 'replaced' : 'no change to announce') : 'visit cancelled');
      if (!goes) {
        if (heard) summary.push(summaryOf(heard));
        return;
      }
      // A change or a cancellation is announced at once (one already prepared keeps its time).
      summary.push(await (keep ? rewrite(keep, row, goes.data) : prepare(row, goes.template, goes.data, now())));
    }

    /** The SMS reminder of one visit: the day's reminder for a lead, nothing for the others. */
    async function syncReminder(visit: VisitRow, batch: VisitRow[]) {
      const mine =
        visit.id === row.id ? owned : await ops.find(tx, { projectRef: project.ref, interventionId: visit.id });
      const reminders = mine.filter((m) => m.templateKey === REMINDER);
      const pending = reminders.filter((m) => isPending(m.status));
      const heard = reminders.filter((m) => isHeard(m.status)).at(-1);
      if (batch.length === 0) {
        const reason =
          visit.status === 'booked' ? 'named in the reminder of another visit of the day' : 'visit cancelled';
        for (const m of pending) await cancel(m, reason);
        return undefined;
      }
      const data = { ...visitData(visit), others: batch.slice(1).map(visitData) };
      if (heard && sameVisits(namedVisits(heard.data), namedVisits(data))) {
        for (const m of pending) await cancel(m, 'already sent');
        return summaryOf(heard);
      }
      const plan = (visit.id === row.id ? refusedPlan(REMINDER) : undefined) ?? plansOf(visit)?.[REMINDER];
      const keep = plan && !plan.skip ? pending.at(-1) : undefined;
      for (const m of pending) if (m !== keep) await cancel(m, 'no longer possible');
      if (!plan) return undefined;
      if (plan.skip) return skipped(visit, REMINDER, plan);
      return keep ? rewrite(keep, visit, data, plan.sendAt) : prepare(visit, REMINDER, data, plan.sendAt);
    }

    /** Every visit of the days this one was and is on: their reminders follow the day's batches. */
    async function syncDayReminders(): Promise<void> {
      const keys: DayKey[] = [];
      for (const visit of [row, before])
        if (visit?.status === 'booked' && !keys.some((key) => sameDayKey(key, dayKeyOf(visit))))
          keys.push(dayKeyOf(visit));
      const involved = new Map<string, VisitRow>([[row.id, row]]);
      const batches = new Map<string, VisitRow[]>();
      const leads = new Map<string, VisitRow>();
      for (const key of keys) {
        const visits = await visitsOfDay(tx, project.ref, key);
        for (const visit of visits) involved.set(visit.id, visit);
        for (const [id, batch] of reminderBatches(visits)) {
          batches.set(id, batch);
          for (const member of batch) leads.set(member.id, batch[0]!);
        }
      }
      const entries = new Map<string, ReminderSummary | undefined>();
      for (const visit of involved.values())
        entries.set(visit.id, await syncReminder(visit, batches.get(visit.id) ?? []));
      const lead = leads.get(row.id);
      const entry =
        lead && lead.id !== row.id
          ? // The day's SMS, as the planner should check it, with why this visit has none of its own.
            {
              ...entries.get(lead.id),
              template: REMINDER,
              skipped: 'same_day',
              message: `one SMS names every visit of the day for this contact: it is the reminder of visit ${lead.id}`,
            }
          : entries.get(row.id);
      if (entry) summary.push(entry);
    }

    /** A visit cancelled shortly before it, after the client heard of it: an SMS too. */
    async function syncCancellationSms(): Promise<void> {
      const sms = owned.filter((m) => m.templateKey === CANCELLATION_SMS && m.status !== 'cancelled');
      if (row.status === 'booked') {
        for (const m of sms) if (isPending(m.status)) await cancel(m, 'visit booked again');
        return;
      }
      const already = sms.at(-1);
      if (already) {
        summary.push(summaryOf(already));
        return;
      }
      const notice = lastHeardNotice(owned);
      const told =
        (notice && notice.templateKey !== CANCELLATION) ||
        owned.some((m) => m.templateKey === REMINDER && isHeard(m.status));
      const contact = project.contacts.find((c) => c.id === row.contactId);
      const ahead = row.windowStart.getTime() - now().getTime();
      const soon = ahead <= policy.noticeHours * 3_600_000 && row.windowEnd.getTime() > now().getTime();
      if (!told || !soon || !contact?.mobile || refused[REMINDER]) return;
      // The visit as the client was told of it is the one cancelled.
      const known = notice && notice.templateKey !== CANCELLATION ? visitFieldsOf(notice.data) : visitData(row);
      summary.push(await prepare(row, CANCELLATION_SMS, { ...known }, now()));
    }

    await syncNotice();
    await syncDayReminders();
    await syncCancellationSms();
    return { summary, toMirror };
  }

  return { check, sync };
}
export type ReminderSync = ReturnType<typeof createReminderSync>;
