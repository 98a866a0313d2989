import { DateTime, Info } from 'luxon';
import { memo } from './memo.js';

/**
 * French date wording. luxon parses and moves instants into Europe/Paris; the French day and
 * month names come from luxon once at load, because asking Intl for them on every message
 * costs tens of microseconds per date.
 */

export const ZONE = 'Europe/Paris';
const WEEKDAYS = Info.weekdays('long', { locale: 'fr' });
const MONTHS = Info.months('long', { locale: 'fr' });
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A calendar date (YYYY-MM-DD) is read as such (no zone arithmetic needed for its weekday);
 * an instant with an offset is converted to Paris time.
 */
export function parseDate(iso: string): DateTime {
  return DATE_ONLY.test(iso) ? DateTime.fromISO(iso, { zone: 'utc' }) : DateTime.fromISO(iso, { zone: ZONE });
}

const longDate = (date: DateTime) =>
  `${WEEKDAYS[date.weekday - 1]} ${date.day === 1 ? '1er' : date.day} ${MONTHS[date.month - 1]} ${date.year}`;
const shortDate = (date: DateTime) => `${date.day === 1 ? '1er' : date.day} ${MONTHS[date.month - 1]} ${date.year}`;
const longDateOf = memo((iso) => longDate(parseDate(iso)));
const shortDateOf = memo((iso) => shortDate(parseDate(iso)));

/** "mardi 14 avril 2026", "mercredi 1er avril 2026". */
export function frenchDate(value: string | DateTime): string {
  return typeof value === 'string' ? longDateOf(value) : longDate(value);
}

/** "14 avril 2026", for subjects where the weekday is noise. */
export function frenchShortDate(value: string | DateTime): string {
  return typeof value === 'string' ? shortDateOf(value) : shortDate(value);
}

/** "8 h", "8 h 30" (French typography puts spaces around the h). */
export function frenchHour(date: DateTime): string {
  return date.minute === 0 ? `${date.hour} h` : `${date.hour} h ${String(date.minute).padStart(2, '0')}`;
}

/** "mardi 14/04" for SMS. */
export function smsDate(date: DateTime): string {
  return `${WEEKDAYS[date.weekday - 1]} ${String(date.day).padStart(2, '0')}/${String(date.month).padStart(2, '0')}`;
}

export interface Window {
  start: DateTime;
  end: DateTime;
  /** "entre 8 h et 12 h" (or across days: "du mardi 14 avril 2026 à 8 h au mercredi 15 avril 2026 à 12 h"). */
  label: string;
  /** "8h-12h", compact for SMS. */
  compact: string;
  sameDay: boolean;
}

export function frenchWindow(startIso: string, endIso: string): Window {
  const start = DateTime.fromISO(startIso, { zone: ZONE });
  const end = DateTime.fromISO(endIso, { zone: ZONE });
  const sameDay = start.hasSame(end, 'day');
  const label = sameDay
    ? `entre ${frenchHour(start)} et ${frenchHour(end)}`
    : `du ${frenchDate(start)} à ${frenchHour(start)} au ${frenchDate(end)} à ${frenchHour(end)}`;
  const compact = `${frenchHour(start).replace(/ /g, '')}-${frenchHour(end).replace(/ /g, '')}`;
  return { start, end, label, compact, sameDay };
}
