import { DateTime } from 'luxon';
import { isSmsAllowedAt } from '../../src/interventions/calendar.js';

/**
 * A CLOCK_OFFSET_MS that puts the service at 10:00 (Europe/Paris) on the next day an SMS may
 * be sent (not a Sunday nor a public holiday), so that tests sending an SMS "now" pass
 * whatever the hour they run at. Fixed tests that need the real clock do not use it.
 */
export function smsHoursOffsetMs(now = Date.now()): number {
  let day = DateTime.fromMillis(now, { zone: 'Europe/Paris' }).startOf('day');
  for (;;) {
    const at = day.set({ hour: 10 });
    if (at.toMillis() > now && isSmsAllowedAt(at, '75001')) return at.toMillis() - now;
    day = day.plus({ days: 1 });
  }
}
