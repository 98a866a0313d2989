/**
 * SMS sending rules: which instants may carry an SMS, and the latest allowed instant before a
 * given one. Also owns the policy shape and its validation, shared with ./calendar.ts.
 *
 * Allowed: Monday–Saturday, within [smsHours.start, smsHours.end] INCLUSIVE of the end minute
 * itself (20:00:00.000 is allowed, 20:00:00.001 is not), never on public holidays (plus Good
 * Friday and 26 December for Alsace-Moselle sites, see ./holidays.ts). Pure, no clock.
 */
import { DateTime, IANAZone } from 'luxon';
import { FRANCE_ZONE, isAlsaceMoselle, isHoliday } from './holidays.js';

/** Local wall-clock "HH:mm" (24 h, two digits each), e.g. "08:00". */
export interface SmsHours {
  readonly start: string;
  readonly end: string;
}

export interface ReminderPolicy {
  /** Email notice lead time, in elapsed hours before the window start (DST days count 23/25 h). */
  readonly noticeHours: number;
  /** Wall-clock "HH:mm" of the SMS reminder on the day before the visit (per agency). */
  readonly reminderTime: string;
  readonly smsHours: SmsHours;
  /** IANA zone for wall-clock rules and calendar days; Europe/Paris when omitted. */
  readonly zone?: string;
}

export const DEFAULT_REMINDER_POLICY: ReminderPolicy = Object.freeze({
  noticeHours: 48,
  reminderTime: '18:00',
  smsHours: Object.freeze({ start: '08:00', end: '20:00' }),
  zone: FRANCE_ZONE,
});

// ---------------------------------------------------------------------------------------------
// Policy validation. Done on every call (cheap) so a bad agency config fails loudly instead of
// silently sending at the wrong time. The exported helpers below are internal to this folder
// (shared with ./calendar.ts) and deliberately not re-exported from it.

export interface WallTime {
  readonly hour: number;
  readonly minute: number;
}

export interface ResolvedPolicy {
  readonly noticeHours: number;
  readonly reminder: WallTime;
  readonly smsStart: WallTime;
  readonly smsEnd: WallTime;
  readonly zone: string;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MS_PER_MINUTE = 60_000;

function parseWallTime(value: string, field: string): WallTime {
  const match = HH_MM.exec(value);
  if (!match) throw new RangeError(`Invalid ${field} "${value}": expected HH:mm (00:00–23:59)`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

const minutesOf = (t: WallTime): number => t.hour * 60 + t.minute;

export function checkZone(zone: string): string {
  if (!IANAZone.isValidZone(zone)) throw new RangeError(`Invalid time zone "${zone}"`);
  return zone;
}

export function resolvePolicy(policy: ReminderPolicy): ResolvedPolicy {
  const zone = checkZone(policy.zone ?? FRANCE_ZONE);
  if (!Number.isFinite(policy.noticeHours) || policy.noticeHours < 0) {
    throw new RangeError(`Invalid noticeHours ${policy.noticeHours}: expected a non-negative number`);
  }
  const smsStart = parseWallTime(policy.smsHours.start, 'smsHours.start');
  const smsEnd = parseWallTime(policy.smsHours.end, 'smsHours.end');
  if (minutesOf(smsStart) >= minutesOf(smsEnd)) {
    throw new RangeError(`Invalid smsHours ${policy.smsHours.start}–${policy.smsHours.end}: start must be before end`);
  }
  return {
    noticeHours: policy.noticeHours,
    reminder: parseWallTime(policy.reminderTime, 'reminderTime'),
    smsStart,
    smsEnd,
    zone,
  };
}

export function inZone(dt: DateTime, zone: string, label: string): DateTime {
  if (!dt.isValid) throw new RangeError(`Invalid ${label}: ${dt.invalidExplanation ?? 'unknown reason'}`);
  return dt.setZone(zone);
}

/** Wall-clock time of day in ms (not elapsed since midnight, which differs on DST days). */
function timeOfDayMs(local: DateTime): number {
  return ((local.hour * 60 + local.minute) * 60 + local.second) * 1000 + local.millisecond;
}

/**
 * The instant at wall-clock `t` on `day`'s calendar date. A wall time inside a DST gap is
 * shifted forward by Luxon; irrelevant for France where the gap is 02:00–03:00.
 */
export function atWallTime(day: DateTime, t: WallTime, zone: string): DateTime {
  return DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: t.hour, minute: t.minute },
    { zone },
  );
}

function isSmsDay(local: DateTime, postalCode: string | undefined, p: ResolvedPolicy): boolean {
  return local.weekday !== 7 && !isHoliday(local, postalCode, p.zone);
}

function isWithinSmsHours(local: DateTime, p: ResolvedPolicy): boolean {
  const t = timeOfDayMs(local);
  return t >= minutesOf(p.smsStart) * MS_PER_MINUTE && t <= minutesOf(p.smsEnd) * MS_PER_MINUTE;
}

// ---------------------------------------------------------------------------------------------

/** Whether an SMS may be sent at this instant to a site with this postal code. */
export function isSmsAllowedAt(
  instant: DateTime,
  postalCode: string | undefined,
  policy: ReminderPolicy = DEFAULT_REMINDER_POLICY,
): boolean {
  const p = resolvePolicy(policy);
  const local = inZone(instant, p.zone, 'instant');
  return isSmsDay(local, postalCode, p) && isWithinSmsHours(local, p);
}

/**
 * The latest allowed SMS instant t with notBefore <= t <= instant (both bounds inclusive),
 * or undefined when there is none. Returned in the policy zone.
 */
export function latestAllowedAtOrBefore(
  instant: DateTime,
  notBefore: DateTime,
  postalCode: string | undefined,
  policy: ReminderPolicy = DEFAULT_REMINDER_POLICY,
): DateTime | undefined {
  const p = resolvePolicy(policy);
  const upper = inZone(instant, p.zone, 'instant');
  const lower = inZone(notBefore, p.zone, 'notBefore');
  isAlsaceMoselle(postalCode); // validate the postal code even when no day needs checking
  if (upper.toMillis() < lower.toMillis()) return undefined;

  // The instant's own day: the instant itself if allowed, the end of the range if it is later.
  let day = upper.startOf('day');
  let candidate: DateTime | undefined;
  if (isSmsDay(upper, postalCode, p) && timeOfDayMs(upper) >= minutesOf(p.smsStart) * MS_PER_MINUTE) {
    candidate = isWithinSmsHours(upper, p) ? upper : atWallTime(day, p.smsEnd, p.zone);
  }
  // Earlier days: the end of the range of the first allowed day. Every earlier candidate is
  // earlier still, so the search stops as soon as one falls before `notBefore`.
  while (candidate === undefined) {
    day = day.minus({ days: 1 });
    const endOfRange = atWallTime(day, p.smsEnd, p.zone);
    if (endOfRange.toMillis() < lower.toMillis()) return undefined;
    if (isSmsDay(day, postalCode, p)) candidate = endOfRange;
  }
  return candidate.toMillis() >= lower.toMillis() ? candidate : undefined;
}

/**
 * The earliest allowed SMS instant at or after `instant` (within two weeks), or undefined.
 * For a message someone sends outside the hours: it waits for the next opening.
 */
export function earliestAllowedAtOrAfter(
  instant: DateTime,
  postalCode: string | undefined,
  policy: ReminderPolicy = DEFAULT_REMINDER_POLICY,
): DateTime | undefined {
  const p = resolvePolicy(policy);
  const start = inZone(instant, p.zone, 'instant');
  for (let offset = 0; offset <= 14; offset++) {
    const day = start.startOf('day').plus({ days: offset });
    if (!isSmsDay(day, postalCode, p)) continue;
    const opening = atWallTime(day, p.smsStart, p.zone);
    if (offset > 0 || start.toMillis() < opening.toMillis()) return opening;
    if (isWithinSmsHours(start, p)) return start;
  }
  return undefined;
}
