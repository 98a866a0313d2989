import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_REMINDER_POLICY,
  holidayName,
  isAlsaceMoselle,
  isHoliday,
  isSmsAllowedAt,
  latestAllowedAtOrBefore,
  parseWindow,
  planNotice,
  planReminder,
  type Planned,
  type ReminderPolicy,
} from '../../src/interventions/calendar.js';

/** Parses a literal ISO string keeping its offset (the code under test must convert it). */
const at = (iso: string): DateTime => {
  const dt = DateTime.fromISO(iso, { setZone: true });
  if (!dt.isValid) throw new Error(`bad test literal ${iso}`);
  return dt;
};

/** A 4-hour arrival window starting at the literal ISO instant. */
const visit = (startIso: string) => ({ start: at(startIso), end: at(startIso).plus({ hours: 4 }) });

/** Planned → one readable string: the Paris ISO send time, or "skip:<reason>". */
const show = (p: Planned): string => (p.skip ? `skip:${p.reason}` : (p.sendAt.toISO() as string));

const policy = (overrides: Partial<ReminderPolicy>): ReminderPolicy => ({ ...DEFAULT_REMINDER_POLICY, ...overrides });

const EARLY = '2024-12-01T10:00:00+01:00'; // booked long in advance: `now` plays no role

describe('planReminder — day before at 18:00 Paris, moved to the latest allowed SMS time', () => {
  // prettier-ignore
  it.each([
    // [case, window start, now, postal code, expected]
    ['plain weekday: Tuesday 18:00 for a Wednesday visit', '2026-06-17T09:00:00+02:00', EARLY, '75011', '2026-06-16T18:00:00.000+02:00'],
    ['Saturday 18:00 is allowed (Sunday visit)', '2026-06-21T09:00:00+02:00', EARLY, '75011', '2026-06-20T18:00:00.000+02:00'],

    // DST: the reminder keeps the 18:00 wall clock on the other side of the change.
    ['March DST: Sunday visit (+02:00) → Saturday 18:00 (+01:00)', '2026-03-29T10:00:00+02:00', EARLY, '75011', '2026-03-28T18:00:00.000+01:00'],
    ['October DST: Sunday visit (+01:00) → Saturday 18:00 (+02:00)', '2026-10-25T10:00:00+01:00', EARLY, '75011', '2026-10-24T18:00:00.000+02:00'],
    ['March DST: Monday visit → Sunday forbidden → Saturday 20:00 (+01:00)', '2026-03-30T09:00:00+02:00', EARLY, '75011', '2026-03-28T20:00:00.000+01:00'],
    ['October DST: Monday visit → Sunday forbidden → Saturday 20:00 (+02:00)', '2026-10-26T09:00:00+01:00', EARLY, '75011', '2026-10-24T20:00:00.000+02:00'],
    ['first weekday after March DST: 18:00 in summer time', '2026-03-31T09:00:00+02:00', EARLY, '75011', '2026-03-30T18:00:00.000+02:00'],

    // Movable holidays: the visit is the day after the holiday.
    ['2025 Easter Monday (21/04) → Saturday 19/04 20:00', '2025-04-22T09:00:00+02:00', EARLY, '75011', '2025-04-19T20:00:00.000+02:00'],
    ['2025 Ascension (29/05) → Wednesday 28/05 20:00', '2025-05-30T09:00:00+02:00', EARLY, '75011', '2025-05-28T20:00:00.000+02:00'],
    ['2025 Whit Monday (09/06) → Saturday 07/06 20:00', '2025-06-10T09:00:00+02:00', EARLY, '75011', '2025-06-07T20:00:00.000+02:00'],
    ['2026 Easter Monday (06/04) → Saturday 04/04 20:00', '2026-04-07T09:00:00+02:00', EARLY, '75011', '2026-04-04T20:00:00.000+02:00'],
    ['2026 Ascension (14/05) → Wednesday 13/05 20:00', '2026-05-15T09:00:00+02:00', EARLY, '75011', '2026-05-13T20:00:00.000+02:00'],
    ['2026 Whit Monday (25/05) → Saturday 23/05 20:00', '2026-05-26T09:00:00+02:00', EARLY, '75011', '2026-05-23T20:00:00.000+02:00'],
    ['2027 Easter Monday (29/03, DST on Easter) → Saturday 27/03 20:00 (+01:00)', '2027-03-30T09:00:00+02:00', EARLY, '75011', '2027-03-27T20:00:00.000+01:00'],
    ['2027 Ascension (06/05) → Wednesday 05/05 20:00', '2027-05-07T09:00:00+02:00', EARLY, '75011', '2027-05-05T20:00:00.000+02:00'],
    ['2027 Whit Monday (17/05) → Saturday 15/05 20:00', '2027-05-18T09:00:00+02:00', EARLY, '75011', '2027-05-15T20:00:00.000+02:00'],

    // Fixed holidays: the visit is the day after the holiday.
    ['1 May 2026 (Friday) → Thursday 20:00', '2026-05-02T09:00:00+02:00', EARLY, '75011', '2026-04-30T20:00:00.000+02:00'],
    ['8 May 2026 (Friday) → Thursday 20:00', '2026-05-09T09:00:00+02:00', EARLY, '75011', '2026-05-07T20:00:00.000+02:00'],
    ['14 July 2026 (Tuesday) → Monday 20:00', '2026-07-15T09:00:00+02:00', EARLY, '75011', '2026-07-13T20:00:00.000+02:00'],
    ['15 Aug 2026 (Saturday) + Sunday → Friday 20:00', '2026-08-17T09:00:00+02:00', EARLY, '75011', '2026-08-14T20:00:00.000+02:00'],
    ['1 Nov 2025 (Saturday) + Sunday → Friday 20:00', '2025-11-03T09:00:00+01:00', EARLY, '75011', '2025-10-31T20:00:00.000+01:00'],
    ['11 Nov 2026 (Wednesday) → Tuesday 20:00', '2026-11-12T09:00:00+01:00', EARLY, '75011', '2026-11-10T20:00:00.000+01:00'],
    ['25 Dec 2026 (Friday) → Thursday 20:00', '2026-12-26T09:00:00+01:00', EARLY, '75011', '2026-12-24T20:00:00.000+01:00'],
    ['1 Jan 2027 (Friday) → Thursday 31/12 20:00', '2027-01-02T09:00:00+01:00', EARLY, '75011', '2026-12-31T20:00:00.000+01:00'],

    // Alsace-Moselle: Good Friday and 26 December are blocked for 57/67/68 only.
    ['Good Friday 2026, Strasbourg 67000 → Thursday 20:00', '2026-04-04T09:00:00+02:00', EARLY, '67000', '2026-04-02T20:00:00.000+02:00'],
    ['Good Friday 2026, Metz 57000 → Thursday 20:00', '2026-04-04T09:00:00+02:00', EARLY, '57000', '2026-04-02T20:00:00.000+02:00'],
    ['Good Friday 2026, Mulhouse 68100 → Thursday 20:00', '2026-04-04T09:00:00+02:00', EARLY, '68100', '2026-04-02T20:00:00.000+02:00'],
    ['Good Friday 2026, Marseille 13001 → unchanged', '2026-04-04T09:00:00+02:00', EARLY, '13001', '2026-04-03T18:00:00.000+02:00'],
    ['Good Friday 2026, unknown site → national calendar', '2026-04-04T09:00:00+02:00', EARLY, undefined, '2026-04-03T18:00:00.000+02:00'],
    ['Good Friday 2025, Colmar 68000 → Thursday 20:00', '2025-04-19T09:00:00+02:00', EARLY, '68000', '2025-04-17T20:00:00.000+02:00'],
    ['Good Friday 2025, Marseille 13001 → unchanged', '2025-04-19T09:00:00+02:00', EARLY, '13001', '2025-04-18T18:00:00.000+02:00'],
    ['26 Dec 2026 (Sat), Strasbourg 67000: Sun, 26, 25 blocked → 24/12 20:00', '2026-12-28T09:00:00+01:00', EARLY, '67000', '2026-12-24T20:00:00.000+01:00'],
    ['26 Dec 2026 (Sat), Marseille 13001 → Saturday 26/12 20:00', '2026-12-28T09:00:00+01:00', EARLY, '13001', '2026-12-26T20:00:00.000+01:00'],

    // Booking close to the visit: never in the past, never later than the configured time.
    ['Saturday 22:00 booking, Monday 08:00 visit: Sunday forbidden, Saturday 20:00 passed', '2026-06-22T08:00:00+02:00', '2026-06-20T22:00:00+02:00', '75011', 'skip:no_allowed_time'],
    ['Saturday 19:00 booking, Monday 08:00 visit → Saturday 20:00', '2026-06-22T08:00:00+02:00', '2026-06-20T19:00:00+02:00', '75011', '2026-06-20T20:00:00.000+02:00'],
    ['Saturday 20:00:00 booking, Monday visit → now (20:00 is allowed)', '2026-06-22T08:00:00+02:00', '2026-06-20T20:00:00+02:00', '75011', '2026-06-20T20:00:00.000+02:00'],
    ['Saturday 20:00:01 booking, Monday visit → skip', '2026-06-22T08:00:00+02:00', '2026-06-20T20:00:01+02:00', '75011', 'skip:no_allowed_time'],
    ['Sunday booking for the Tuesday after Easter Monday 2026', '2026-04-07T09:00:00+02:00', '2026-04-05T10:00:00+02:00', '75011', 'skip:no_allowed_time'],
    ['booked 3 h before the visit: the day-before 18:00 is gone', '2026-06-16T14:00:00+02:00', '2026-06-16T11:00:00+02:00', '75011', 'skip:reminder_time_passed'],
    ['booked the evening before at 19:00', '2026-06-16T09:00:00+02:00', '2026-06-15T19:00:00+02:00', '75011', 'skip:reminder_time_passed'],
    ['booked the day before exactly at 18:00 → now', '2026-06-16T09:00:00+02:00', '2026-06-15T18:00:00+02:00', '75011', '2026-06-15T18:00:00.000+02:00'],
    ['booked the day before at 17:59 → 18:00', '2026-06-16T09:00:00+02:00', '2026-06-15T17:59:00+02:00', '75011', '2026-06-15T18:00:00.000+02:00'],
    ['window already started', '2026-06-16T09:00:00+02:00', '2026-06-16T10:00:00+02:00', '75011', 'skip:window_in_past'],
    ['window starting exactly now', '2026-06-16T09:00:00+02:00', '2026-06-16T09:00:00+02:00', '75011', 'skip:window_in_past'],
    ['inputs in UTC are read as Paris wall clock', '2026-06-17T07:00:00Z', '2026-06-01T08:00:00Z', '75011', '2026-06-16T18:00:00.000+02:00'],
  ])('%s', (_case, windowStart, now, postalCode, expected) => {
    expect(show(planReminder(visit(windowStart), at(now), postalCode))).toBe(expected);
  });

  // prettier-ignore
  it.each([
    // [case, policy overrides, window start, now, expected]
    ['21:30 reminder moves to 20:00 the same day', { reminderTime: '21:30' }, '2026-06-17T09:00:00+02:00', EARLY, '2026-06-16T20:00:00.000+02:00'],
    ['21:30 reminder, booked 19:00 the day before → 20:00', { reminderTime: '21:30' }, '2026-06-17T09:00:00+02:00', '2026-06-16T19:00:00+02:00', '2026-06-16T20:00:00.000+02:00'],
    ['21:30 reminder, booked 20:30 the day before → skip', { reminderTime: '21:30' }, '2026-06-17T09:00:00+02:00', '2026-06-16T20:30:00+02:00', 'skip:no_allowed_time'],
    ['07:00 reminder → previous day 20:00', { reminderTime: '07:00' }, '2026-06-17T09:00:00+02:00', EARLY, '2026-06-15T20:00:00.000+02:00'],
    ['08:00 reminder (start of range, inclusive)', { reminderTime: '08:00' }, '2026-06-17T09:00:00+02:00', EARLY, '2026-06-16T08:00:00.000+02:00'],
    ['agency hours 09:00–19:00, 19:30 reminder → 19:00', { reminderTime: '19:30', smsHours: { start: '09:00', end: '19:00' } }, '2026-06-17T09:00:00+02:00', EARLY, '2026-06-16T19:00:00.000+02:00'],
    ['agency 12:00 reminder across March DST keeps 12:00', { reminderTime: '12:00' }, '2026-03-29T10:00:00+02:00', EARLY, '2026-03-28T12:00:00.000+01:00'],
  ] as const)('%s', (_case, overrides, windowStart, now, expected) => {
    expect(show(planReminder(visit(windowStart), at(now), '75011', policy(overrides)))).toBe(expected);
  });

  it('returns the ideal target and an explanatory message', () => {
    const moved = planReminder(visit('2026-04-07T09:00:00+02:00'), at(EARLY), '75011');
    expect(moved.skip === false && moved.target.toISO()).toBe('2026-04-06T18:00:00.000+02:00');

    const skipped = planReminder(visit('2026-06-22T08:00:00+02:00'), at('2026-06-20T22:00:00+02:00'), '75011');
    expect(skipped).toEqual({
      skip: true,
      reason: 'no_allowed_time',
      message: 'no allowed SMS sending time between booking and the scheduled reminder',
    });
  });

  it('always returns an allowed instant in [now, window start) — sweep over a holiday-heavy month', () => {
    // Every hour of May 2026 (1 May, 8 May, Ascension, Whit Monday) as a window start, booked 30 h before.
    for (let h = 0; h < 31 * 24; h++) {
      const start = at('2026-05-01T00:00:00+02:00').plus({ hours: h });
      const now = start.minus({ hours: 30 });
      const planned = planReminder({ start, end: start.plus({ hours: 4 }) }, now, '67000');
      if (planned.skip) continue;
      expect(isSmsAllowedAt(planned.sendAt, '67000'), planned.sendAt.toISO() ?? '').toBe(true);
      expect(planned.sendAt >= now && planned.sendAt < start && planned.sendAt <= planned.target).toBe(true);
    }
  });
});

describe('planNotice — email at least noticeHours before, no sending-hour restriction', () => {
  // prettier-ignore
  it.each([
    // [case, policy overrides, window start, now, expected]
    ['48 h before the window', {}, '2026-06-19T09:00:00+02:00', EARLY, '2026-06-17T09:00:00.000+02:00'],
    ['Sunday and night are fine for email', {}, '2026-06-16T06:00:00+02:00', EARLY, '2026-06-14T06:00:00.000+02:00'],
    ['on a public holiday too (14 July)', {}, '2026-07-16T09:00:00+02:00', EARLY, '2026-07-14T09:00:00.000+02:00'],
    ['48 elapsed hours across March DST (wall clock 08:00, not 09:00)', {}, '2026-03-30T09:00:00+02:00', EARLY, '2026-03-28T08:00:00.000+01:00'],
    ['booked 3 h before → sent now', {}, '2026-06-16T14:00:00+02:00', '2026-06-16T11:00:00+02:00', '2026-06-16T11:00:00.000+02:00'],
    ['booked exactly 48 h before → now', {}, '2026-06-16T14:00:00+02:00', '2026-06-14T14:00:00+02:00', '2026-06-14T14:00:00.000+02:00'],
    ['custom 72 h notice', { noticeHours: 72 }, '2026-06-19T09:00:00+02:00', EARLY, '2026-06-16T09:00:00.000+02:00'],
    ['window already started', {}, '2026-06-16T09:00:00+02:00', '2026-06-16T09:30:00+02:00', 'skip:window_in_past'],
    ['window starting exactly now', {}, '2026-06-16T09:00:00+02:00', '2026-06-16T09:00:00+02:00', 'skip:window_in_past'],
  ] as const)('%s', (_case, overrides, windowStart, now, expected) => {
    expect(show(planNotice(visit(windowStart), at(now), policy(overrides)))).toBe(expected);
  });
});

describe('isSmsAllowedAt — Monday–Saturday, [08:00, 20:00] inclusive, no holidays', () => {
  // prettier-ignore
  it.each([
    ['Tuesday 12:00', '2026-06-16T12:00:00+02:00', '75011', true],
    ['Tuesday 08:00:00 (start inclusive)', '2026-06-16T08:00:00+02:00', '75011', true],
    ['Tuesday 07:59:59.999', '2026-06-16T07:59:59.999+02:00', '75011', false],
    ['Tuesday 20:00:00 (end inclusive)', '2026-06-16T20:00:00+02:00', '75011', true],
    ['Tuesday 20:00:00.001', '2026-06-16T20:00:00.001+02:00', '75011', false],
    ['Tuesday 21:30', '2026-06-16T21:30:00+02:00', '75011', false],
    ['Saturday 19:00', '2026-06-20T19:00:00+02:00', '75011', true],
    ['Sunday 12:00', '2026-06-21T12:00:00+02:00', '75011', false],
    ['14 July 12:00', '2026-07-14T12:00:00+02:00', '75011', false],
    ['18:00Z = 20:00 Paris (summer)', '2026-06-16T18:00:00Z', '75011', true],
    ['18:00:01Z = 20:00:01 Paris', '2026-06-16T18:00:01Z', '75011', false],
    ['13 July 22:30Z is 14 July in Paris', '2026-07-13T22:30:00Z', '75011', false],
    ['Good Friday 2027 12:00, 67000', '2027-03-26T12:00:00+01:00', '67000', false],
    ['Good Friday 2027 12:00, 13001', '2027-03-26T12:00:00+01:00', '13001', true],
    ['26 Dec 2025 (Friday) 12:00, 57000', '2025-12-26T12:00:00+01:00', '57000', false],
    ['26 Dec 2025 (Friday) 12:00, 13001', '2025-12-26T12:00:00+01:00', '13001', true],
  ] as const)('%s', (_case, instant, postalCode, expected) => {
    expect(isSmsAllowedAt(at(instant), postalCode)).toBe(expected);
  });
});

describe('latestAllowedAtOrBefore — bounds inclusive on both ends', () => {
  // prettier-ignore
  it.each([
    // [case, instant, notBefore, expected]
    ['allowed instant → itself', '2026-06-16T12:34:56+02:00', EARLY, '2026-06-16T12:34:56.000+02:00'],
    ['after hours → 20:00 same day', '2026-06-16T23:59:00+02:00', EARLY, '2026-06-16T20:00:00.000+02:00'],
    ['before hours → 20:00 the day before', '2026-06-16T07:00:00+02:00', EARLY, '2026-06-15T20:00:00.000+02:00'],
    ['Sunday → Saturday 20:00', '2026-06-21T18:00:00+02:00', EARLY, '2026-06-20T20:00:00.000+02:00'],
    ['Monday 07:00 → Saturday 20:00', '2026-06-22T07:00:00+02:00', EARLY, '2026-06-20T20:00:00.000+02:00'],
    ['notBefore equal to the result → result', '2026-06-21T18:00:00+02:00', '2026-06-20T20:00:00+02:00', '2026-06-20T20:00:00.000+02:00'],
    ['notBefore just after the result → none', '2026-06-21T18:00:00+02:00', '2026-06-20T20:00:00.001+02:00', undefined],
    ['notBefore after instant → none', '2026-06-16T12:00:00+02:00', '2026-06-16T12:00:01+02:00', undefined],
    ['notBefore inside the same allowed range → instant', '2026-06-16T12:00:00+02:00', '2026-06-16T11:00:00+02:00', '2026-06-16T12:00:00.000+02:00'],
  ])('%s', (_case, instant, notBefore, expected) => {
    expect(latestAllowedAtOrBefore(at(instant), at(notBefore), '75011')?.toISO()).toBe(expected);
  });
});

describe('holidays', () => {
  // prettier-ignore
  it.each([
    // [date, postal code, expected name or undefined]
    ['2025-01-01', undefined, "Jour de l'an"],
    ['2025-04-18', '13001', undefined],
    ['2025-04-18', '67000', 'Vendredi Saint'],
    ['2025-04-20', undefined, undefined], // Easter Sunday: a Sunday, not a listed holiday
    ['2025-04-21', undefined, 'Lundi de Pâques'],
    ['2025-05-29', undefined, 'Ascension'],
    ['2025-06-09', undefined, 'Lundi de Pentecôte'],
    ['2026-04-06', undefined, 'Lundi de Pâques'],
    ['2026-04-07', undefined, undefined],
    ['2026-05-14', undefined, 'Ascension'],
    ['2026-05-25', undefined, 'Lundi de Pentecôte'],
    ['2027-03-29', undefined, 'Lundi de Pâques'],
    ['2027-05-06', undefined, 'Ascension'],
    ['2027-05-17', undefined, 'Lundi de Pentecôte'],
    ['2026-05-01', undefined, 'Fête du travail'],
    ['2026-05-08', undefined, 'Victoire des alliés'],
    ['2026-07-14', undefined, 'Fête Nationale'],
    ['2026-08-15', undefined, 'Assomption'],
    ['2026-11-01', undefined, 'Toussaint'],
    ['2026-11-11', undefined, 'Armistice'],
    ['2026-12-25', undefined, 'Noël'],
    ['2026-12-26', '13001', undefined],
    ['2026-12-26', '68100', 'Saint Étienne'],
    ['2026-12-31', '67000', undefined],
  ] as const)('%s (postal %s) → %s', (date, postalCode, expected) => {
    expect(holidayName(date, postalCode)).toBe(expected);
    expect(isHoliday(date, postalCode)).toBe(expected !== undefined);
  });

  it('judges a DateTime by its Paris calendar day', () => {
    expect(isHoliday(at('2026-07-13T23:30:00+00:00'))).toBe(true);
    expect(isHoliday(at('2026-07-14T22:30:00+00:00'))).toBe(false);
  });

  // prettier-ignore
  it.each([
    ['67000', true],
    ['57000', true],
    ['68100', true],
    [' 67000 ', true],
    ['13001', false],
    ['75011', false],
    ['97100', false],
    [undefined, false],
  ] as const)('isAlsaceMoselle(%s) → %s', (postalCode, expected) => {
    expect(isAlsaceMoselle(postalCode)).toBe(expected);
  });

  it.each(['6700', '670000', '2A004', 'abcde', ''])('rejects malformed postal code %j', (postalCode) => {
    expect(() => isAlsaceMoselle(postalCode)).toThrow(RangeError);
    expect(() => planReminder(visit('2026-06-17T09:00:00+02:00'), at(EARLY), postalCode)).toThrow(RangeError);
  });

  it.each(['2026-02-30', '2026-7-14', '2026-07-14T12:00:00+02:00', 'tomorrow'])('rejects bad ISO date %j', (date) => {
    expect(() => isHoliday(date)).toThrow(RangeError);
  });

  describe('independent of the process time zone', () => {
    const original = process.env.TZ;
    afterEach(() => {
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
    });

    // In Sydney, DST ends on Easter Sunday 2021; the library's "+24 h" then lands on 4 April 23:00.
    // prettier-ignore
    it.each([
      ['2021-04-04', undefined],
      ['2021-04-05', 'Lundi de Pâques'],
      ['2021-05-12', undefined],
      ['2021-05-13', 'Ascension'],
      ['2021-05-24', 'Lundi de Pentecôte'],
      ['2021-04-02', 'Vendredi Saint'],
    ] as const)('TZ=Australia/Sydney: %s (Alsace) → %s', (date, expected) => {
      process.env.TZ = 'Australia/Sydney';
      expect(new Date(2021, 3, 4).getTimezoneOffset()).toBe(-660); // the override is in effect
      expect(holidayName(date, '67000')).toBe(expected);
    });
  });
});

describe('parseWindow', () => {
  // prettier-ignore
  it.each([
    ['2026-06-16T09:00:00+02:00', '2026-06-16T13:00:00+02:00', '2026-06-16T09:00:00.000+02:00', '2026-06-16T13:00:00.000+02:00'],
    ['2026-06-16T07:00:00Z', '2026-06-16T11:00:00Z', '2026-06-16T09:00:00.000+02:00', '2026-06-16T13:00:00.000+02:00'],
    ['2026-12-16T08:00:00.000+00:00', '2026-12-16T12:00:00.000+00:00', '2026-12-16T09:00:00.000+01:00', '2026-12-16T13:00:00.000+01:00'],
  ])('%s – %s → Paris', (startIso, endIso, expectedStart, expectedEnd) => {
    const window = parseWindow(startIso, endIso);
    expect([window.start.toISO(), window.end.toISO()]).toEqual([expectedStart, expectedEnd]);
    expect(window.start.zoneName).toBe('Europe/Paris');
  });

  // prettier-ignore
  it.each([
    ['missing offset', '2026-06-16T09:00:00', '2026-06-16T13:00:00+02:00'],
    ['date only', '2026-06-16', '2026-06-16T13:00:00+02:00'],
    ['invalid date', '2026-02-30T09:00:00+01:00', '2026-02-30T13:00:00+01:00'],
    ['garbage', 'soon', 'later'],
    ['end before start', '2026-06-16T13:00:00+02:00', '2026-06-16T09:00:00+02:00'],
    ['empty window', '2026-06-16T09:00:00+02:00', '2026-06-16T07:00:00Z'],
  ])('throws on %s', (_case, startIso, endIso) => {
    expect(() => parseWindow(startIso, endIso)).toThrow(RangeError);
  });
});

describe('policy validation', () => {
  // prettier-ignore
  it.each([
    ['reminderTime "18h00"', { reminderTime: '18h00' }],
    ['reminderTime "24:00"', { reminderTime: '24:00' }],
    ['smsHours start "8:00"', { smsHours: { start: '8:00', end: '20:00' } }],
    ['smsHours start after end', { smsHours: { start: '20:00', end: '08:00' } }],
    ['negative noticeHours', { noticeHours: -1 }],
    ['NaN noticeHours', { noticeHours: Number.NaN }],
    ['unknown zone', { zone: 'Europe/Lutece' }],
  ] as const)('throws on %s', (_case, overrides) => {
    const window = visit('2026-06-17T09:00:00+02:00');
    expect(() => planReminder(window, at(EARLY), '75011', policy(overrides))).toThrow(RangeError);
    expect(() => planNotice(window, at(EARLY), policy(overrides))).toThrow(RangeError);
  });
});
