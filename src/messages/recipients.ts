import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Recipient } from '../db/schema.js';
import { AppError, type FieldIssue, invalid } from '../errors.js';
import { defaultAudience, type Greeted, greetedOf } from '../projects/audience.js';
import type { Contact, Project } from '../projects/schema.js';
import type { RecipientRef } from './schema.js';

/** Who may receive what, beyond the order's own contacts. */
export interface RecipientPolicy {
  /** Domains of the operator's own people, who may be addressed by email besides the contacts. */
  internalDomains: readonly string[];
  /** Countries (ISO codes) an SMS may go to. */
  smsCountries: readonly string[];
}

export interface Resolved {
  to: Recipient[];
  cc: Recipient[];
  /** The people the greeting names: exactly the `To` recipients. */
  greeted: Greeted[];
}

const fullName = (c: Contact) => [c.firstName, c.lastName].filter(Boolean).join(' ');
const fromContact = (c: Contact, address: string): Recipient => ({ address, name: fullName(c), contactId: c.id });
const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

function smsCountryIssue(mobile: string, policy: RecipientPolicy, path: string): FieldIssue | undefined {
  const country = parsePhoneNumberFromString(mobile)?.country;
  if (country && policy.smsCountries.includes(country)) return undefined;
  return {
    path,
    message: `SMS are sent to numbers of ${policy.smsCountries.join(', ')} only (this number is from ${country ?? 'an unknown country'})`,
  };
}

function resolveOne(
  project: Project,
  channel: 'email' | 'sms',
  r: RecipientRef,
  path: string,
  policy: RecipientPolicy,
): Recipient {
  if ('contactId' in r) {
    const contact = project.contacts.find((c) => c.id === r.contactId);
    if (!contact) throw invalid([{ path, message: `unknown contact "${r.contactId}" in order ${project.ref}` }]);
    const address = channel === 'email' ? contact.email : contact.mobile;
    if (!address) {
      throw invalid([
        { path, message: `contact "${r.contactId}" has no ${channel === 'email' ? 'email address' : 'mobile number'}` },
      ]);
    }
    return fromContact(contact, address);
  }
  if ('email' in r) {
    if (channel !== 'email') throw invalid([{ path, message: 'an SMS goes to a mobile number, not an email address' }]);
    const contact = project.contacts.find((c) => c.email === r.email);
    if (contact) return fromContact(contact, r.email);
    const internal = policy.internalDomains.includes(domainOf(r.email)) || r.email === project.rac.email;
    if (!internal) {
      const domains = policy.internalDomains.length > 0 ? ` or an address of ${policy.internalDomains.join(', ')}` : '';
      throw invalid([
        { path: `${path}.email`, message: `not a contact of order ${project.ref}: name a contact${domains}` },
      ]);
    }
    return { address: r.email, ...(r.name ? { name: r.name } : {}) };
  }
  if (channel !== 'sms') throw invalid([{ path, message: 'an email goes to an email address, not a mobile number' }]);
  const contact = project.contacts.find((c) => c.mobile === r.mobile);
  if (!contact) {
    throw invalid([{ path: `${path}.mobile`, message: `not the mobile of a contact of order ${project.ref}` }]);
  }
  return fromContact(contact, r.mobile);
}

/**
 * To and Cc of a message: the caller's choice, or the order's defaults (./audience rule). The
 * policy holds whatever the caller asks: explicit addresses only for the order's contacts and
 * the operator's own domains, the RAC always in copy of an email, SMS only to numbers of the
 * allowed countries. The same address never appears twice.
 */
export function resolveRecipients(
  project: Project,
  channel: 'email' | 'sms',
  given: { to?: RecipientRef[] | undefined; cc?: RecipientRef[] | undefined } | undefined,
  options: { siteRef?: string | undefined; audience: 'main' | 'all'; policy: RecipientPolicy },
): Resolved {
  const { policy } = options;
  let to: Recipient[];
  if (given?.to) {
    to = given.to.map((r, i) => resolveOne(project, channel, r, `body.recipients.to.${i}`, policy));
  } else {
    const contacts = defaultAudience(project, channel, options.audience, options.siteRef);
    if (contacts.length === 0) {
      throw new AppError(
        'no_recipient',
        422,
        `body.recipients.to: order ${project.ref} has no contact with ${channel === 'email' ? 'an email address' : 'a mobile number'}; name one in recipients.to`,
        { details: [{ path: 'body.recipients.to', message: 'no default recipient' }] },
      );
    }
    to = contacts.map((c) => fromContact(c, (channel === 'email' ? c.email : c.mobile) as string));
  }
  if (channel === 'sms') {
    if (given?.cc?.length) throw invalid([{ path: 'body.recipients.cc', message: 'an SMS has no copy recipients' }]);
    const issues = to.flatMap((r, i) => smsCountryIssue(r.address, policy, `body.recipients.to.${i}`) ?? []);
    if (issues.length > 0) throw invalid(issues, 'recipient_not_allowed');
  }
  const rac: Recipient = { address: project.rac.email, name: `${project.rac.firstName} ${project.rac.lastName}` };
  const cc =
    channel === 'email'
      ? [...(given?.cc ?? []).map((r, i) => resolveOne(project, channel, r, `body.recipients.cc.${i}`, policy)), rac]
      : [];

  const seen = new Set<string>();
  const unique = (list: Recipient[]) =>
    list.filter((r) => {
      const key = r.address.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const uniqueTo = unique(to);
  return { to: uniqueTo, cc: unique(cc), greeted: greetedOf(project, uniqueTo) };
}
