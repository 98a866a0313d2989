import { projectInputSchema, type Contact, type Project } from '../projects/schema.js';
import { distinctContacts, mainContact } from './people.js';

/**
 * Helpers for the CLIs and tests that render templates against orders other than the sample
 * one: a stored-project shape from an order file, and the sample data adapted to that order.
 */

/** An order as sent by an integration (ProjectInput JSON) → a stored Project with ref = order number. */
export function projectFromJson(json: unknown, ref?: string): Project {
  const input = projectInputSchema.parse(json);
  const stamp = `${input.receivedAt}T08:00:00.000Z`;
  return { ...input, ref: ref ?? input.orderNumber, version: 1, createdAt: stamp, updatedAt: stamp };
}

/**
 * The sample's data, with site references the order does not have replaced by its first site
 * (and per-site lists filtered), so every template can be rendered with any order.
 */
export function sampleDataFor(data: Record<string, unknown>, project: Project): Record<string, unknown> {
  const refs = new Set(project.sites.map((site) => site.ref));
  const adapted: Record<string, unknown> = { ...data };
  if (typeof adapted.siteRef === 'string' && !refs.has(adapted.siteRef)) {
    adapted.siteRef = project.sites[0]?.ref;
    delete adapted.siteShortName;
  }
  for (const [key, value] of Object.entries(adapted)) {
    // A visit as it was (a modification's `previous`) moves to the same site as the visit.
    if (value && typeof value === 'object' && !Array.isArray(value) && 'siteRef' in value) {
      const nested = value as { siteRef?: unknown };
      if (typeof nested.siteRef === 'string' && !refs.has(nested.siteRef))
        adapted[key] = { ...nested, siteRef: adapted.siteRef };
      continue;
    }
    if (Array.isArray(value) && value.some((item) => typeof item === 'object' && item !== null && 'siteRef' in item)) {
      adapted[key] = value.filter(
        (item: { siteRef?: unknown }) => typeof item.siteRef === 'string' && refs.has(item.siteRef),
      );
    }
  }
  return adapted;
}

/**
 * Who a preview would go to: the contact of the site the data names, else every distinct
 * contact for a meeting recap, else the main contact. The API layer decides for real sends.
 */
export function previewRecipients(project: Project, data: Record<string, unknown>, everyone: boolean): Contact[] {
  const site = typeof data.siteRef === 'string' ? project.sites.find((item) => item.ref === data.siteRef) : undefined;
  const siteContact = site?.contactId ? project.contacts.find((contact) => contact.id === site.contactId) : undefined;
  if (siteContact) return [siteContact];
  if (everyone) return distinctContacts(project.contacts);
  const main = mainContact(project);
  return main ? [main] : [];
}
