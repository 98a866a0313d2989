import type { Contact, Project } from './schema.js';

/**
 * Who a message is for when the sender does not say: the one rule used both to address a
 * message and, through the recipients, to greet them.
 *
 * - `all` (a meeting recap): every client contact with an address, each address once;
 * - otherwise the site's own contact for a message about a site, else the main contact, else
 *   the first contact that can be reached on the channel.
 */
export function defaultAudience(
  project: Project,
  channel: 'email' | 'sms',
  audience: 'main' | 'all',
  siteRef?: string,
): Contact[] {
  const address = (c: Contact | undefined) => (channel === 'email' ? c?.email : c?.mobile);
  if (audience === 'all' && channel === 'email') {
    const seen = new Set<string>();
    return project.contacts.filter((c) => {
      if (!c.email || seen.has(c.email)) return false;
      seen.add(c.email);
      return true;
    });
  }
  if (siteRef) {
    const site = project.sites.find((s) => s.ref === siteRef);
    const siteContact = project.contacts.find((c) => c.id === site?.contactId);
    if (address(siteContact)) return [siteContact as Contact];
  }
  const main = project.contacts.find((c) => c.role === 'main');
  if (address(main)) return [main as Contact];
  const first = project.contacts.find((c) => address(c) !== undefined);
  return first ? [first] : [];
}

/** Whom a greeting addresses: a person's civility and names (all empty for a bare address). */
export type Greeted = Pick<Contact, 'civility' | 'firstName' | 'lastName'>;

/**
 * The people a message's greeting names, one per `To` recipient: the order's contact when the
 * recipient is one, else an unnamed person (an internal address), so that the greeting always
 * speaks to whoever the mail is addressed to.
 */
export function greetedOf(project: Project, to: readonly { contactId?: string | undefined }[]): Greeted[] {
  return to.map((r) => project.contacts.find((c) => c.id === r.contactId) ?? { lastName: '' });
}

/**
 * The site a message is about: the one its data names, or for a visit message on an order of
 * a single site, that site (a visit's data may omit it then).
 */
export function siteOfMessage(project: Project, milestone: string | null, data: Record<string, unknown> | undefined) {
  if (typeof data?.siteRef === 'string') return data.siteRef;
  return milestone === 'intervention' && project.sites.length === 1 ? project.sites[0]?.ref : undefined;
}
