/**
 * When to send the two intervention messages, as pure functions of (window, now, site, policy).
 * No I/O and no clock: the caller always passes `now`, so every rule is testable.
 *
 * - `avis-intervention` (email): at `window.start - noticeHours` (elapsed hours), or at `now`
 *   when booked later than that. Emails have no sending-hour restriction.
 * - `rappel-intervention` (SMS): the calendar day before the window start, at `reminderTime`
 *   wall-clock in the policy zone (so DST changes keep the 18:00 local hour). If that instant
 *   is not an allowed SMS time, it moves to the LATEST allowed instant before it — never later,
 *   so the reminder never comes closer to the visit than the agency configured.
 *
 * This is the module's entry point: it re-exports the SMS-hours rules (./sms-hours.ts) and the
 * holiday calendar (./holidays.ts) so callers import from one place.
 */
import { DateTime } from 'luxon';
import { ISO_WITH_OFFSET } from '../lib/iso.js';
import { FRANCE_ZONE, isAlsaceMoselle } from './holidays.js';
import {
  DEFAULT_REMINDER_POLICY,
  atWallTime,
  checkZone,
  inZone,
  latestAllowedAtOrBefore,
  resolvePolicy,
  type ReminderPolicy,
} from './sms-hours.js';

export { FRANCE_ZONE, calendarDate, frenchHolidays, holidayName, isAlsaceMoselle, isHoliday } from './holidays.js';
export {
  DEFAULT_REMINDER_POLICY,
  earliestAllowedAtOrAfter,
  isSmsAllowedAt,
  latestAllowedAtOrBefore,
  type ReminderPolicy,
  type SmsHours,
} from './sms-hours.js';

export interface InterventionWindow {
  readonly start: DateTime;
  readonly end: DateTime;
}

export type SkipReason = 'window_in_past' | 'reminder_time_passed' | 'no_allowed_time';

/**
 * `target` is the ideal instant the policy asked for, before any adjustment, so callers can
 * log/observe how far a message was moved. `skip: false` is there to make `if (p.skip)` narrow.
 */
export type Planned =
  | { readonly skip: false; readonly sendAt: DateTime; readonly target: DateTime }
  | { readonly skip: true; readonly reason: SkipReason; readonly message: string };

const SKIP_MESSAGES: Readonly<Record<SkipReason, string>> = {
  window_in_past: 'the intervention window has already started',
  reminder_time_passed: 'the reminder time (the day before the visit) had already passed at booking time',
  no_allowed_time: 'no allowed SMS sending time between booking and the scheduled reminder',
};

function skip(reason: SkipReason): Planned {
  return { skip: true, reason, message: SKIP_MESSAGES[reason] };
}

function checkWindow(window: InterventionWindow, zone: string): InterventionWindow {
  const start = inZone(window.start, zone, 'window.start');
  const end = inZone(window.end, zone, 'window.end');
  if (end.toMillis() <= start.toMillis()) throw new RangeError('Invalid window: end must be after start');
  return { start, end };
}

/**
 * Email notice: `noticeHours` elapsed hours before the window start, or `now` when booked later
 * than that. A window that has started (start <= now) is skipped with 'window_in_past'.
 */
export function planNotice(
  window: InterventionWindow,
  now: DateTime,
  policy: ReminderPolicy = DEFAULT_REMINDER_POLICY,
): Planned {
  const p = resolvePolicy(policy);
  const { start } = checkWindow(window, p.zone);
  const current = inZone(now, p.zone, 'now');
  if (start.toMillis() <= current.toMillis()) return skip('window_in_past');
  const target = start.minus({ hours: p.noticeHours });
  return { skip: false, sendAt: target.toMillis() < current.toMillis() ? current : target, target };
}

/**
 * SMS reminder: the day before the window start at `reminderTime`, moved back to the latest
 * allowed SMS instant, and never before `now`. Skips:
 * - 'window_in_past': the window has started (start <= now);
 * - 'reminder_time_passed': the booking came after the reminder time (e.g. booked 3 h before the
 *   visit). We do not send later than configured: the notice email already goes out at booking;
 * - 'no_allowed_time': no allowed instant in [now, target], e.g. booked Saturday 22:00 for
 *   Monday: Sunday is forbidden and Saturday 20:00 has passed.
 */
export function planReminder(
  window: InterventionWindow,
  now: DateTime,
  postalCode: string | undefined,
  policy: ReminderPolicy = DEFAULT_REMINDER_POLICY,
): Planned {
  const p = resolvePolicy(policy);
  isAlsaceMoselle(postalCode); // bad site data throws whatever the outcome
  const { start } = checkWindow(window, p.zone);
  const current = inZone(now, p.zone, 'now');
  if (start.toMillis() <= current.toMillis()) return skip('window_in_past');

  const target = atWallTime(start.startOf('day').minus({ days: 1 }), p.reminder, p.zone);
  if (target.toMillis() < current.toMillis()) return skip('reminder_time_passed');

  // The day before is always earlier than the start; clamp anyway so "never at or after the
  // window start" holds by construction, not by arithmetic.
  const beforeStart = start.minus({ milliseconds: 1 });
  const upper = target.toMillis() <= beforeStart.toMillis() ? target : beforeStart;
  const sendAt = latestAllowedAtOrBefore(upper, current, postalCode, policy);
  return sendAt ? { skip: false, sendAt, target } : skip('no_allowed_time');
}

/**
 * Parses an arrival window from two ISO date-times that include an offset, returned in
 * `zone` (Europe/Paris). Throws RangeError on a missing offset, an invalid date or end <= start.
 * The 4-hour length is a business convention, deliberately not enforced here.
 */
export function parseWindow(startIso: string, endIso: string, zone: string = FRANCE_ZONE): InterventionWindow {
  checkZone(zone);
  const parse = (value: string, label: string): DateTime => {
    if (!ISO_WITH_OFFSET.test(value)) {
      throw new RangeError(`Invalid ${label} "${value}": expected an ISO date-time with offset`);
    }
    const dt = DateTime.fromISO(value, { zone });
    if (!dt.isValid) throw new RangeError(`Invalid ${label} "${value}": ${dt.invalidExplanation ?? 'invalid'}`);
    return dt;
  };
  return checkWindow({ start: parse(startIso, 'window start'), end: parse(endIso, 'window end') }, zone);
}
