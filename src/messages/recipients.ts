import type { Recipient } from '../db/schema.js';
import { AppError, invalid } from '../errors.js';
import type { Contact, Project } from '../projects/schema.js';
import type { RecipientRef } from './schema.js';

const fullName = (c: Contact) => [c.firstName, c.lastName].filter(Boolean).join(' ');

/** The contact a message speaks to by default: the main contact, else the first one reachable. */
export function defaultContact(project: Project, channel: 'email' | 'sms', siteRef?: string): Contact | undefined {
  const reachable = (c: Contact | undefined) => (channel === 'email' ? c?.email : c?.mobile) !== undefined;
  if (siteRef) {
    const site = project.sites.find((s) => s.ref === siteRef);
    const siteContact = project.contacts.find((c) => c.id === site?.contactId);
    if (reachable(siteContact)) return siteContact;
  }
  const main = project.contacts.find((c) => c.role === 'main');
  if (reachable(main)) return main;
  return project.contacts.find(reachable);
}

function resolveOne(project: Project, channel: 'email' | 'sms', r: RecipientRef, path: string): Recipient {
  if ('contactId' in r) {
    const contact = project.contacts.find((c) => c.id === r.contactId);
    if (!contact) throw invalid([{ path, message: `unknown contact "${r.contactId}" in order ${project.ref}` }]);
    const address = channel === 'email' ? contact.email : contact.mobile;
    if (!address) {
      throw invalid([
        { path, message: `contact "${r.contactId}" has no ${channel === 'email' ? 'email address' : 'mobile number'}` },
      ]);
    }
    return { address, name: fullName(contact), contactId: contact.id };
  }
  if ('email' in r) {
    if (channel !== 'email') throw invalid([{ path, message: 'an SMS goes to a mobile number, not an email address' }]);
    return { address: r.email, ...(r.name ? { name: r.name } : {}) };
  }
  if (channel !== 'sms') throw invalid([{ path, message: 'an email goes to an email address, not a mobile number' }]);
  return { address: r.mobile, ...(r.name ? { name: r.name } : {}) };
}

/**
 * To and Cc of a message: the caller's choice, or the order's defaults (the main contact; the
 * RAC in copy for emails). The same address never appears twice.
 */
export function resolveRecipients(
  project: Project,
  channel: 'email' | 'sms',
  given: { to?: RecipientRef[] | undefined; cc?: RecipientRef[] | undefined } | undefined,
  siteRef?: string,
  audience: 'main' | 'all' = 'main',
): { to: Recipient[]; cc: Recipient[] } {
  let to: Recipient[];
  if (given?.to) {
    to = given.to.map((r, i) => resolveOne(project, channel, r, `body.recipients.to.${i}`));
  } else if (audience === 'all' && channel === 'email' && project.contacts.some((c) => c.email)) {
    // A meeting recap goes to every client contact (each address once, below).
    to = project.contacts.flatMap((c) => (c.email ? [{ address: c.email, name: fullName(c), contactId: c.id }] : []));
  } else {
    const contact = defaultContact(project, channel, siteRef);
    const address = channel === 'email' ? contact?.email : contact?.mobile;
    if (!contact || !address) {
      throw new AppError(
        'no_recipient',
        422,
        `body.recipients.to: order ${project.ref} has no contact with ${channel === 'email' ? 'an email address' : 'a mobile number'}; name one in recipients.to`,
        { details: [{ path: 'body.recipients.to', message: 'no default recipient' }] },
      );
    }
    to = [{ address, name: fullName(contact), contactId: contact.id }];
  }
  if (channel === 'sms' && given?.cc?.length) {
    throw invalid([{ path: 'body.recipients.cc', message: 'an SMS has no copy recipients' }]);
  }
  const ccDefault: Recipient[] =
    channel === 'email'
      ? [{ address: project.rac.email, name: `${project.rac.firstName} ${project.rac.lastName}` }]
      : [];
  const cc = given?.cc ? given.cc.map((r, i) => resolveOne(project, channel, r, `body.recipients.cc.${i}`)) : ccDefault;

  const seen = new Set<string>();
  const unique = (list: Recipient[]) =>
    list.filter((r) => {
      const key = r.address.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { to: unique(to), cc: unique(cc) };
}
