import { DateTime } from 'luxon';
import { parsePhoneNumberFromString as parseByPlan } from 'libphonenumber-js';
import { type CountryCode, type NumberType, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';

/**
 * Field validators shared by the project schema and the CSV importer. Each one normalises
 * what order tools and people actually send (spaces, dots, "+33 (0)6…", "0033…") into one
 * stored form, and fails with a message a person can act on.
 */

const ZERO_IN_PARENS = /\(\s*0\s*\)/g;

// The overseas departments share France's ten-digit plan (0692…, 0690…) under their own
// country codes: a national number is read as the first of these whose ranges hold it.
const FRENCH_PLAN: CountryCode[] = ['FR', 'RE', 'YT', 'GP', 'MQ', 'GF', 'BL', 'MF'];
// Some plans (North America) do not tell mobiles from landlines: the benefit of the doubt.
const MOBILE_TYPES = new Set<NumberType>(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/** Parses a French-style or international phone number to E.164, or returns undefined. */
export function toE164(raw: string): { e164: string; mobile: boolean } | undefined {
  const cleaned = raw.replace(ZERO_IN_PARENS, '').trim();
  if (!/^[+\d][\d\s.\-/()]*$/.test(cleaned)) return undefined;
  const international = /^(\+|00)/.test(cleaned);
  // Full metadata knows each allocated range and what it is for (mobile, landline, VoIP…).
  for (const country of international ? FRENCH_PLAN.slice(0, 1) : FRENCH_PLAN) {
    const precise = parsePhoneNumberFromString(cleaned, country);
    if (precise?.isValid()) {
      const type = precise.getType();
      return { e164: precise.number, mobile: type !== undefined && MOBILE_TYPES.has(type) };
    }
  }
  // Ranges it does not list as allocated (those set aside for examples and fiction, such as
  // 06 39 98…, or newly opened ones) still follow the plan: in France, 06 and 07 are mobiles.
  const parsed = parseByPlan(cleaned, 'FR');
  if (!parsed?.isValid()) return undefined;
  return { e164: parsed.number, mobile: parsed.country === 'FR' && /^[67]/.test(parsed.nationalNumber) };
}

export const phone = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const result = toE164(value);
    if (!result) {
      ctx.addIssue({ code: 'custom', message: 'not a valid phone number (e.g. 06 39 98 12 34 or +33639981234)' });
      return z.NEVER;
    }
    return result.e164;
  });

export const mobile = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const result = toE164(value);
    if (!result) {
      ctx.addIssue({ code: 'custom', message: 'not a valid phone number (e.g. 06 39 98 12 34 or +33639981234)' });
      return z.NEVER;
    }
    if (!result.mobile) {
      ctx.addIssue({
        code: 'custom',
        message: 'not a mobile number: SMS reminders need a mobile (06, 07 or a mobile abroad)',
      });
      return z.NEVER;
    }
    return result.e164;
  });

export const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'not a valid email address' }))
  .transform((value) => value.toLowerCase());

export const postalCode = z
  .string()
  .trim()
  .regex(/^\d{5}$/, 'a French postal code has five digits (e.g. 13001)');

/** A calendar date written YYYY-MM-DD that exists (no 2026-02-30). */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((value) => DateTime.fromISO(value, { zone: 'Europe/Paris' }).isValid, 'not a real calendar date');

// Control characters (NUL above all, which PostgreSQL refuses) never belong in a name or label.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `at most ${max} characters`)
    .refine((value) => !CONTROL.test(value), 'contains a control character');

export const ref = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", 1 to 64 characters');

const CIVILITIES: Record<string, 'M.' | 'Mme'> = {
  'm.': 'M.',
  m: 'M.',
  mr: 'M.',
  'mr.': 'M.',
  monsieur: 'M.',
  mme: 'Mme',
  'mme.': 'Mme',
  madame: 'Mme',
  mrs: 'Mme',
  ms: 'Mme',
};

export const civility = z.string().transform((value, ctx) => {
  const normalised = CIVILITIES[value.trim().toLowerCase()];
  if (!normalised) {
    ctx.addIssue({ code: 'custom', message: 'expected "M." or "Mme" (or Monsieur / Madame)' });
    return z.NEVER;
  }
  return normalised;
});
