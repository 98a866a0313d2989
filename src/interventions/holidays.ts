/**
 * French public holidays (jours fériés), including the two extra days observed in
 * Alsace-Moselle (departments 57, 67, 68): Good Friday and 26 December.
 *
 * Pure: no I/O, no clock. The holiday list comes from @socialgouv/jours-feries.
 *
 * Scope: metropolitan France. Overseas departments (971–976) have extra local
 * holidays (e.g. abolition of slavery) that are NOT covered here.
 */
import { createRequire } from 'node:module';
import { DateTime } from 'luxon';

/**
 * @socialgouv/jours-feries is CommonJS and ships no type declarations. It is loaded
 * through createRequire (rather than a global `declare module`) so the typing stays
 * local to this file.
 */
type JoursFeries = (year: number, options?: { alsace?: boolean }) => Record<string, Date>;
const requireCjs = createRequire(import.meta.url);
const joursFeries = requireCjs('@socialgouv/jours-feries') as JoursFeries;

/** Calendar dates are always interpreted in this zone unless told otherwise. */
export const FRANCE_ZONE = 'Europe/Paris';

const ALSACE_MOSELLE_DEPARTMENTS: ReadonlySet<string> = new Set(['57', '67', '68']);
const POSTAL_CODE = /^\d{5}$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HALF_DAY_MS = 12 * 60 * 60 * 1000;

/**
 * True when the 5-digit French postal code belongs to Alsace-Moselle (57, 67, 68).
 * `undefined` means "site unknown" and is treated as the national calendar.
 * A malformed code throws: silently falling back to the national calendar would
 * allow SMS on local holidays, so bad data must be fixed where it enters.
 */
export function isAlsaceMoselle(postalCode: string | undefined): boolean {
  if (postalCode === undefined) return false;
  const code = postalCode.trim();
  if (!POSTAL_CODE.test(code)) {
    throw new RangeError(`Invalid French postal code "${postalCode}": expected 5 digits`);
  }
  return ALSACE_MOSELLE_DEPARTMENTS.has(code.slice(0, 2));
}

/**
 * The library builds its dates with `new Date(y, m, d)` (process-local midnight) and
 * derives the Easter-based ones by adding multiples of 24 h. When the process zone has
 * a DST change in between, the result lands an hour off midnight, possibly on the
 * previous day (e.g. TZ=Australia/Sydney, Easter Monday 2021 comes out as 4 April 23:00).
 * Rounding to the nearest local midnight before reading the local date makes the result
 * independent of the process TZ.
 */
function toCalendarDate(d: Date): string {
  const rounded = new Date(d.getTime() + HALF_DAY_MS);
  const y = String(rounded.getFullYear()).padStart(4, '0');
  const m = String(rounded.getMonth() + 1).padStart(2, '0');
  const day = String(rounded.getDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

/**
 * Holidays of `year` as a map "YYYY-MM-DD" → French name.
 * Not memoised on purpose: it is a dozen Date objects, and keeping it stateless makes
 * the TZ-independence above testable.
 */
export function frenchHolidays(year: number, alsaceMoselle: boolean): ReadonlyMap<string, string> {
  if (!Number.isInteger(year)) throw new RangeError(`Invalid year ${year}`);
  const result = new Map<string, string>();
  for (const [name, date] of Object.entries(joursFeries(year, { alsace: alsaceMoselle }))) {
    result.set(toCalendarDate(date), name);
  }
  return result;
}

/**
 * Calendar date ("YYYY-MM-DD") of a DateTime as seen in `zone`, or of a strict ISO
 * date string. Date strings with a time part are rejected: their calendar day would
 * depend on a zone the caller did not state.
 */
export function calendarDate(date: DateTime | string, zone: string = FRANCE_ZONE): string {
  if (typeof date === 'string') {
    const match = ISO_DATE.exec(date);
    const parsed = match
      ? DateTime.fromObject({ year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) }, { zone: 'utc' })
      : undefined;
    if (!parsed?.isValid) throw new RangeError(`Invalid ISO date "${date}": expected YYYY-MM-DD`);
    return date;
  }
  if (!date.isValid) throw new RangeError(`Invalid DateTime: ${date.invalidExplanation ?? 'unknown reason'}`);
  const local = date.setZone(zone);
  if (!local.isValid) throw new RangeError(`Invalid time zone "${zone}"`);
  return local.toISODate();
}

/** French name of the holiday on that date (e.g. "Lundi de Pâques"), or undefined. */
export function holidayName(
  date: DateTime | string,
  postalCode?: string,
  zone: string = FRANCE_ZONE,
): string | undefined {
  const iso = calendarDate(date, zone);
  return frenchHolidays(Number(iso.slice(0, 4)), isAlsaceMoselle(postalCode)).get(iso);
}

/**
 * Whether the date is a public holiday for a site with this postal code.
 * A DateTime is judged by its calendar day in `zone` (Europe/Paris by default), so
 * 2026-07-13T23:30:00Z counts as 14 July.
 */
export function isHoliday(date: DateTime | string, postalCode?: string, zone: string = FRANCE_ZONE): boolean {
  return holidayName(date, postalCode, zone) !== undefined;
}
