import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';
import { email, phone } from '../projects/fields.js';
import type { Contact, Project } from '../projects/schema.js';
import { memo } from './memo.js';
import type { RacProfile } from './types.js';

export const DEFAULT_RAC_TITLE = 'Votre Responsable Affaire Client';

export const racProfileSchema = z.strictObject({
  displayName: z.string().trim().min(1, 'must not be empty').max(80, 'at most 80 characters'),
  title: z.string().trim().min(1, 'must not be empty').max(80, 'at most 80 characters').optional(),
  phone: phone.optional(),
  email: email.optional(),
  photoUrl: z
    .url({ protocol: /^https$/, message: 'an https URL' })
    .max(500, 'at most 500 characters')
    .optional(),
  gender: z.enum(['f', 'm'], { error: 'f or m' }).optional(),
});

export interface RacView {
  displayName: string;
  title: string;
  /** "06 39 98 01 04", or null. */
  phone: string | null;
  /** "tel:+33639980104", or null. */
  phoneHref: string | null;
  email: string;
  /** "mailto:…" */
  emailHref: string;
  photoUrl: string | null;
  /** Only the phrases that need a grammatical gender read these; both false: neutral phrasing. */
  feminine: boolean;
  masculine: boolean;
}

/** "06 39 98 01 04" for a French number, "+44 20 7946 0958" otherwise. */
export const displayPhone = memo((e164: string): string => {
  const parsed = parsePhoneNumberFromString(e164, 'FR');
  if (!parsed) return e164;
  return parsed.country === 'FR' ? parsed.formatNational() : parsed.formatInternational();
});

/**
 * The signature: the RAC's profile (how they present themselves) over the project's RAC; a
 * phone or email missing from the profile falls back to the order's, so a partial profile
 * never makes the RAC unreachable. The profile must have passed racProfileSchema.
 */
export function racView(project: Project, profile: RacProfile | undefined): RacView {
  const e164 = profile?.phone ?? project.rac.phone ?? null;
  const address = profile?.email ?? project.rac.email;
  return {
    displayName: profile?.displayName ?? `${project.rac.firstName} ${project.rac.lastName}`,
    title: profile?.title ?? DEFAULT_RAC_TITLE,
    phone: e164 ? displayPhone(e164) : null,
    phoneHref: e164 ? `tel:${e164}` : null,
    email: address,
    emailHref: `mailto:${address}`,
    photoUrl: profile?.photoUrl ?? null,
    feminine: profile?.gender === 'f',
    masculine: profile?.gender === 'm',
  };
}

/** The client's main contact (role "main"), else the first contact. */
export function mainContact(project: Project): Contact | undefined {
  return project.contacts.find((contact) => contact.role === 'main') ?? project.contacts[0];
}

/** Contacts once per email address (an order may list one person twice, e.g. main and billing). */
export function distinctContacts(contacts: readonly Contact[]): Contact[] {
  const seen = new Set<string>();
  return contacts.filter((contact) => {
    const key = contact.email ?? `id:${contact.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
