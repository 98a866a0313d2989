import type { Contact, Site } from '../projects/schema.js';
import { count } from './phrasing.js';

/**
 * How an order's sites are shown. Up to the brand's threshold (10 by default) every site is
 * listed with its address and access; above it, the mail carries a summary (« 237 sites dans
 * 18 villes », the main site, the few sites that need attention) and the full list goes as a
 * spreadsheet attachment, so that the RAC's words stay at the top of the mail on a phone.
 */

export const DEFAULT_SITES_LISTED_MAX = 10;
/** Sites needing attention named one by one in a summary; beyond, they are counted. */
const ATTENTION_NAMED_MAX = 5;
const CITIES_NAMED_MAX = 3;

export interface SiteView {
  ref: string;
  name: string;
  city: string;
  /** "104 avenue Jean Jaurès, 34000 Montpellier" */
  address: string;
  /** Target access (what is being delivered), or null. */
  access: string | null;
  main: boolean;
}

/** A site the reader should look at, with why (a gap at closure, a missing contact…). */
export interface SiteNote {
  siteRef: string;
  note: string;
}

export interface SitesSummary {
  /** "237 sites dans 18 villes" */
  label: string;
  /** "Montpellier (40 sites), Nîmes (22 sites), Gap (10 sites) et 15 autres villes" */
  cities: string;
  main: SiteView | null;
  attention: { ref: string; name: string; note: string }[];
  /** "et 12 autres sites, signalés dans la pièce jointe", or null. */
  attentionMore: string | null;
  /** "Aucun interlocuteur sur place n'est encore désigné pour 147 sites.", or null. */
  withoutContact: string | null;
  /** Name of the attached list. */
  attachment: string;
}

export interface SitesView {
  count: number;
  countLabel: string;
  one: SiteView | null;
  /** 2 sites up to the threshold: each with address and access. */
  list: SiteView[] | null;
  summary: SitesSummary | null;
}

/** « 12 rue de la Paix, 75002 Paris »: how every message writes a site's address. */
export const siteAddress = (site: Site): string => `${site.address}, ${site.postalCode} ${site.city}`;

export function siteView(site: Site): SiteView {
  return {
    ref: site.ref,
    name: site.name,
    city: site.city,
    address: siteAddress(site),
    access: site.access?.target ?? null,
    main: site.role === 'main',
  };
}

/** Sort key ignoring case and accents ("Évry" between "Eu" and "Ez"); Intl.Collator is 10× slower. */
function sortKey(city: string): string {
  const lower = city.toLowerCase();
  return /^[\x20-\x7e]*$/.test(lower) ? lower : lower.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

/** Cities by number of sites (then name): the largest ones are named in the summary. */
function cityCounts(sites: readonly Site[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const site of sites) counts.set(site.city, (counts.get(site.city) ?? 0) + 1);
  const keyed = [...counts].map(([city, n]) => [city, n, sortKey(city)] as const);
  keyed.sort((a, b) => b[1] - a[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
  return keyed.map(([city, n]) => [city, n]);
}

export function sitesFileName(orderNumber: string): string {
  return `sites-${orderNumber.replace(/[^A-Za-z0-9._-]+/g, '-')}.csv`;
}

function summary(
  sites: readonly Site[],
  contacts: readonly Contact[],
  notes: readonly SiteNote[],
  orderNumber: string,
): SitesSummary {
  const cities = cityCounts(sites);
  const named = cities.slice(0, CITIES_NAMED_MAX).map(([city, n]) => `${city} (${count(n, 'site')})`);
  const others = cities.length - named.length;
  const byRef = new Map(sites.map((site) => [site.ref, site]));
  const attention = notes.flatMap((item) => {
    const site = byRef.get(item.siteRef);
    return site ? [{ ref: site.ref, name: site.name, note: item.note }] : [];
  });
  const more = attention.length - ATTENTION_NAMED_MAX;
  const contactIds = new Set(contacts.map((contact) => contact.id));
  const withoutContact = sites.filter((site) => !site.contactId || !contactIds.has(site.contactId)).length;
  const main = sites.find((site) => site.role === 'main');
  return {
    label: `${count(sites.length, 'site')} dans ${count(cities.length, 'ville')}`,
    cities: others > 0 ? `${named.join(', ')} et ${count(others, 'autre ville', 'autres villes')}` : joinAll(named),
    main: main ? siteView(main) : null,
    attention: attention.slice(0, ATTENTION_NAMED_MAX),
    attentionMore: more > 0 ? `et ${count(more, 'autre site', 'autres sites')}, signalés dans la pièce jointe` : null,
    withoutContact:
      withoutContact === 0
        ? null
        : withoutContact === sites.length
          ? "Aucun interlocuteur sur place n'est encore désigné pour vos sites."
          : `Aucun interlocuteur sur place n'est encore désigné pour ${count(withoutContact, 'site')} ; la pièce jointe les signale.`,
    attachment: sitesFileName(orderNumber),
  };
}

function joinAll(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} et ${items[items.length - 1]}`;
}

export interface SitesViewOptions {
  listedMax: number;
  contacts: readonly Contact[];
  notes: readonly SiteNote[];
  orderNumber: string;
}

export function sitesView(sites: readonly Site[], options: SitesViewOptions): SitesView {
  const base = { count: sites.length, countLabel: count(sites.length, 'site'), one: null, list: null, summary: null };
  if (sites.length === 1 && sites[0]) return { ...base, one: siteView(sites[0]) };
  if (sites.length >= 2 && sites.length <= options.listedMax) return { ...base, list: sites.map(siteView) };
  if (sites.length > options.listedMax)
    return { ...base, summary: summary(sites, options.contacts, options.notes, options.orderNumber) };
  return base;
}
