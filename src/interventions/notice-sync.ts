import { isHeard, isPending } from '../messages/lifecycle.js';
import type { MessageRow } from '../messages/moves.js';
import {
  CANCELLATION,
  CANCELLATION_SMS,
  lastHeardNotice,
  NOTICE,
  NOTICE_TEMPLATES,
  visitFieldsOf,
  wantedNotice,
} from './notices.js';
import { summaryOf, visitData, type ReminderSummary, type VisitRow, type VisitWrites } from './visit-writes.js';

/** The email the client must get about this visit, if any (./notices.ts decides), and its pending ones in line. */
export async function syncNotice(w: VisitWrites, row: VisitRow, owned: MessageRow[]): Promise<ReminderSummary[]> {
  const pending = owned.filter((m) => NOTICE_TEMPLATES.includes(m.templateKey) && isPending(m.status));
  const heard = lastHeardNotice(owned);
  const plan = w.refusedPlan(NOTICE) ?? w.plansOf(row)?.[NOTICE];
  const booked = row.status === 'booked';
  // A visit already started can still be cancelled by mail; a contact without an email cannot be told.
  const reachable = plan !== undefined && (!plan.skip || plan.reason === 'window_in_past');
  const wish = wantedNotice({ booked, fields: visitData(row) }, heard, plan);
  const settle = async (keep: MessageRow | undefined, reason: string) => {
    for (const m of pending) if (m !== keep) await w.cancel(m, reason);
  };
  if (wish?.template === NOTICE) {
    const first = wish.plan;
    const keep = first.skip ? undefined : pending.filter((m) => m.templateKey === NOTICE).at(-1);
    await settle(keep, first.skip ? 'no longer possible' : 'replaced');
    if (first.skip) return [await w.skipped(row, NOTICE, first)];
    return [
      await (keep ? w.rewrite(keep, row, wish.data, first.sendAt) : w.prepare(row, NOTICE, wish.data, first.sendAt)),
    ];
  }
  const goes = reachable ? wish : undefined;
  const keep = goes && pending.filter((m) => m.templateKey === goes.template).at(-1);
  await settle(keep, booked ? (goes ? 'replaced' : 'no change to announce') : 'visit cancelled');
  if (!goes) return heard ? [summaryOf(heard)] : [];
  // A change or a cancellation is announced at once (one already prepared keeps its time).
  return [await (keep ? w.rewrite(keep, row, goes.data) : w.prepare(row, goes.template, goes.data, w.now()))];
}

/**
 * A visit cancelled within the notice period (48 h by default) after the client heard of it:
 * an SMS as well, the mail may not be read in time.
 */
export async function syncCancellationSms(
  w: VisitWrites,
  row: VisitRow,
  owned: MessageRow[],
): Promise<ReminderSummary[]> {
  const sms = owned.filter((m) => m.templateKey === CANCELLATION_SMS && m.status !== 'cancelled');
  if (row.status === 'booked') {
    for (const m of sms) if (isPending(m.status)) await w.cancel(m, 'visit booked again');
    return [];
  }
  const already = sms.at(-1);
  if (already) return [summaryOf(already)];
  const notice = lastHeardNotice(owned);
  const knownByMail = notice && notice.templateKey !== CANCELLATION ? notice : undefined;
  const told = knownByMail || owned.some((m) => m.templateKey === 'rappel-intervention' && isHeard(m.status));
  const contact = w.project.contacts.find((c) => c.id === row.contactId);
  const now = w.now().getTime();
  const soon = row.windowStart.getTime() - now <= w.policy.noticeHours * 3_600_000 && row.windowEnd.getTime() > now;
  if (!told || !soon || !contact?.mobile || w.refusedPlan('rappel-intervention')) return [];
  // The visit as the client was told of it is the one cancelled.
  const known = knownByMail ? visitFieldsOf(knownByMail.data) : visitData(row);
  return [await w.prepare(row, CANCELLATION_SMS, { ...known }, w.now())];
}
