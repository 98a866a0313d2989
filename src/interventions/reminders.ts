import { DateTime } from 'luxon';
import type { Contact, Site } from '../projects/schema.js';
import { type Planned, planNotice, planReminder, type ReminderPolicy } from './calendar.js';

/** The two messages that follow a visit: the notice by email, the reminder by SMS. */
export const REMINDERS = [
  { template: 'avis-intervention', channel: 'email' },
  { template: 'rappel-intervention', channel: 'sms' },
] as const;
export type ReminderTemplate = (typeof REMINDERS)[number]['template'];

export type ReminderPlan = { skip: false; sendAt: Date } | { skip: true; reason: string; message: string };

/** When each reminder should go, or why it cannot; pure, so every rule is testable. */
export function planReminders(
  visit: { windowStart: Date; windowEnd: Date },
  site: Site,
  contact: Contact,
  now: Date,
  policy: ReminderPolicy,
): Record<ReminderTemplate, ReminderPlan> {
  const window = {
    start: DateTime.fromJSDate(visit.windowStart, { zone: 'Europe/Paris' }),
    end: DateTime.fromJSDate(visit.windowEnd, { zone: 'Europe/Paris' }),
  };
  const current = DateTime.fromJSDate(now, { zone: 'Europe/Paris' });
  const toPlan = (planned: Planned): ReminderPlan =>
    planned.skip ? planned : { skip: false, sendAt: planned.sendAt.toJSDate() };
  return {
    'avis-intervention': contact.email
      ? toPlan(planNotice(window, current, policy))
      : { skip: true, reason: 'no_email', message: `contact ${contact.id} has no email address for the notice` },
    'rappel-intervention': contact.mobile
      ? toPlan(planReminder(window, current, site.postalCode, policy))
      : { skip: true, reason: 'no_mobile', message: `contact ${contact.id} has no mobile number for the SMS reminder` },
  };
}
