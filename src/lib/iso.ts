import { DateTime } from 'luxon';

/**
 * An instant as callers must write it: ISO 8601 with its offset ("Z" or ±HH:MM). A local time
 * without offset is ambiguous around DST changes, so it is refused everywhere.
 */
export const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

export const isInstantWithOffset = (value: string): boolean =>
  ISO_WITH_OFFSET.test(value) && DateTime.fromISO(value, { setZone: true }).isValid;
