/**
 * What the order list's search (`GET /v1/projects?q=`) matches, and how both sides are folded:
 * lower case, accents removed, so that « beziers » finds « Béziers ». Kept as a column of the
 * order rather than computed per query, so that a search reads one row per order.
 */

const LIGATURES: Record<string, string> = { œ: 'oe', æ: 'ae', ß: 'ss' };

export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[œæß]/g, (c) => LIGATURES[c] ?? c);
}

export function searchTextOf(order: {
  orderNumber: string;
  trackingNumber: string;
  client: { company: string };
  label: string;
  sites: readonly { city: string }[];
}): string {
  const cities = [...new Set(order.sites.map((s) => s.city))].sort();
  return fold([order.orderNumber, order.trackingNumber, order.client.company, order.label, ...cities].join(' | '));
}

/** A `like` pattern matching the folded term anywhere, with its own `%` and `_` taken literally. */
export const containsPattern = (term: string): string => `%${fold(term.trim()).replace(/[\\%_]/g, '\\$&')}%`;
