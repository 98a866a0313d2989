import { z } from 'zod';

/** Field schemas shared by the manifests; messages name what is expected, for the sender. */

export const siteRef = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a site reference of the order (e.g. SU1010001)');

export const instant = z.iso.datetime({
  offset: true,
  message: 'a date-time with its offset, e.g. 2026-04-14T08:00:00+02:00',
});

export const calendarDate = z.iso.date({ message: 'a date written YYYY-MM-DD' });

export const webUrl = z.url({ protocol: /^https?$/, message: 'an http(s) URL' }).max(500, 'at most 500 characters');

export const line = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

export const interventionKind = z.enum(['access', 'service']);
