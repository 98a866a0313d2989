/** Dates, times and numbers as a French reader expects them, always in Europe/Paris. */
export const ZONE = 'Europe/Paris';

const dateTime = new Intl.DateTimeFormat('fr-FR', { timeZone: ZONE, dateStyle: 'medium', timeStyle: 'short' });
const longDay = new Intl.DateTimeFormat('fr-FR', { timeZone: ZONE, weekday: 'long', day: 'numeric', month: 'long' });
const time = new Intl.DateTimeFormat('fr-FR', { timeZone: ZONE, hour: '2-digit', minute: '2-digit' });
const dayOnly = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });
const number = new Intl.NumberFormat('fr-FR');
const percent = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 0 });
const parts = new Intl.DateTimeFormat('en-CA', {
  timeZone: ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

export const formatDateTime = (iso: string) => dateTime.format(new Date(iso));
export const formatLongDay = (iso: string) => longDay.format(new Date(iso));
export const formatTime = (iso: string) => time.format(new Date(iso));
/** A calendar date (YYYY-MM-DD), which has no time zone. */
export const formatDay = (day: string | null | undefined) => (day ? dayOnly.format(new Date(`${day}T00:00:00Z`)) : '—');
export const formatNumber = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : number.format(value);
export const formatPercent = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : percent.format(value);

function wallClock(date: Date) {
  const p = Object.fromEntries(parts.formatToParts(date).map((part) => [part.type, part.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}`, seconds: Number(p.second) };
}

/** The Paris offset in minutes at an instant. */
function offsetAt(date: Date): number {
  const wall = wallClock(date);
  const asUtc = Date.parse(`${wall.date}T${wall.time}:${String(wall.seconds).padStart(2, '0')}Z`);
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
}

const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');

/** A Paris wall-clock date and time (from date and time inputs) as an ISO instant with its offset. */
export function parisInstant(day: string, hhmm: string): string {
  const guess = new Date(`${day}T${hhmm}:00Z`);
  let offset = offsetAt(guess);
  offset = offsetAt(new Date(guess.getTime() - offset * 60_000));
  const sign = offset >= 0 ? '+' : '-';
  return `${day}T${hhmm}:00${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** A calendar date (YYYY-MM-DD) some days later (or earlier), which has no time zone. */
export const addDays = (day: string, days: number) =>
  new Date(Date.parse(`${day}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
/** A calendar date's long name, « mercredi 2 décembre ». */
export const formatLongDate = (day: string) => formatLongDay(`${day}T12:00:00Z`);

/** Today in Paris, as YYYY-MM-DD. */
export const parisToday = (now = new Date()) => wallClock(now).date;
/** An instant's Paris date and time, for date and time inputs. */
export const parisParts = (iso: string) => wallClock(new Date(iso));

export const plural = (count: number, one: string, many: string) => `${formatNumber(count)} ${count > 1 ? many : one}`;
