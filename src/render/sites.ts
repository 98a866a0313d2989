import type { Site } from '../projects/schema.js';
import { count } from './phrasing.js';

/**
 * How an order's sites are shown: one site in a sentence, a few as a list, many as a compact
 * per-city table (city, count, then every site's name and reference in small print) that stays
 * readable on a phone while still naming every site of the order.
 */

export const FEW_SITES_MAX = 5;

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

export interface CityGroup {
  city: string;
  count: number;
  countLabel: string;
  /** "Siège Gap (SU1050001), Agence Gap 2 (SU1050002)": one string, escaped once by Handlebars. */
  list: string;
}

export interface SitesView {
  count: number;
  countLabel: string;
  one: SiteView | null;
  few: SiteView[] | null;
  many: { cityCount: number; cityLabel: string; cities: CityGroup[] } | null;
}

export function siteView(site: Site): SiteView {
  return {
    ref: site.ref,
    name: site.name,
    city: site.city,
    address: `${site.address}, ${site.postalCode} ${site.city}`,
    access: site.access?.target ?? null,
    main: site.role === 'main',
  };
}

/** Sort key ignoring case and accents ("Évry" between "Eu" and "Ez"); Intl.Collator is 10× slower. */
function sortKey(city: string): string {
  const lower = city.toLowerCase();
  return /^[\x20-\x7e]*$/.test(lower) ? lower : lower.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

function byCity(sites: readonly Site[]): CityGroup[] {
  const groups = new Map<string, { count: number; list: string }>();
  for (const site of sites) {
    const entry = `${site.name} (${site.ref})`;
    const group = groups.get(site.city);
    if (group) {
      group.count += 1;
      group.list += `, ${entry}`;
    } else groups.set(site.city, { count: 1, list: entry });
  }
  const keyed = [...groups.keys()].map((city) => [sortKey(city), city] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map(([, city]) => {
    const group = groups.get(city) ?? { count: 0, list: '' };
    return { city, count: group.count, countLabel: count(group.count, 'site'), list: group.list };
  });
}

export function sitesView(sites: readonly Site[]): SitesView {
  const base = { count: sites.length, countLabel: count(sites.length, 'site'), one: null, few: null, many: null };
  if (sites.length === 1 && sites[0]) return { ...base, one: siteView(sites[0]) };
  if (sites.length >= 2 && sites.length <= FEW_SITES_MAX) return { ...base, few: sites.map(siteView) };
  if (sites.length > FEW_SITES_MAX) {
    const cities = byCity(sites);
    return { ...base, many: { cityCount: cities.length, cityLabel: count(cities.length, 'ville'), cities } };
  }
  return base;
}
