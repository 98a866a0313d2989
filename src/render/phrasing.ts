import type { Contact, Offer } from '../projects/schema.js';

/**
 * Sentences that read as written by a person for any number of things: "A", "A et B",
 * "A, B et C"; "votre solution X" / "vos solutions X et Y"; one greeting per mail.
 */

export function joinFrench(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} et ${items[items.length - 1]}`;
}

/** "1 site", "12 sites"; French counts zero in the singular ("0 site"). */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n <= 1 ? singular : plural}`;
}

/**
 * Offer labels, each named once: an order may list the same offer twice (two profiles of
 * Business VPN), and the old tool's repeated paragraph is exactly what we must not do.
 */
export function offerLabels(offers: readonly Offer[]): string[] {
  const seen = new Set<string>();
  const labels: string[] = [];
  for (const offer of offers) {
    const label = offer.label.trim().replace(/\s+/g, ' ');
    const key = label.toLowerCase();
    if (label === '' || seen.has(key)) continue;
    seen.add(key);
    labels.push(label);
  }
  return labels;
}

export interface OffersView {
  count: number;
  labels: string[];
  /** "votre solution Business VPN" / "vos solutions Business VPN et Business Talk IP"; "" without offers. */
  phrase: string;
  /** Same after "de": "de votre solution …" / "de vos solutions …"; "" without offers. */
  ofPhrase: string;
}

export function offersView(offers: readonly Offer[]): OffersView {
  const labels = offerLabels(offers);
  const joined = joinFrench(labels);
  if (labels.length === 0) return { count: 0, labels, phrase: '', ofPhrase: '' };
  const phrase = labels.length === 1 ? `votre solution ${joined}` : `vos solutions ${joined}`;
  return { count: labels.length, labels, phrase, ofPhrase: `de ${phrase}` };
}

const CIVILITY_WORDS: Record<string, string> = { 'M.': 'Monsieur', Mme: 'Madame' };

/** "Madame Lambert" with a civility, "Léa Lambert" without, "" when only a last name is known. */
export function addressName(contact: Pick<Contact, 'civility' | 'firstName' | 'lastName'>): string {
  const civility = contact.civility ? CIVILITY_WORDS[contact.civility] : undefined;
  if (civility) return `${civility} ${contact.lastName}`;
  if (contact.firstName) return `${contact.firstName} ${contact.lastName}`;
  return '';
}

export function fullName(contact: Pick<Contact, 'firstName' | 'lastName'>): string {
  return contact.firstName ? `${contact.firstName} ${contact.lastName}` : contact.lastName;
}

/** "Bonjour Madame Lambert," / "Bonjour Léa Lambert," / "Bonjour," / "Bonjour à toutes et à tous,". */
export function greeting(recipients: readonly Pick<Contact, 'civility' | 'firstName' | 'lastName'>[]): string {
  if (recipients.length > 1) return 'Bonjour à toutes et à tous,';
  const name = recipients[0] ? addressName(recipients[0]) : '';
  return name ? `Bonjour ${name},` : 'Bonjour,';
}
