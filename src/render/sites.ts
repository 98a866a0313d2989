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
  sites: SiteView[];
  last: boolean;
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

const collator = new Intl.Collator('fr');

function byCity(sites: readonly Site[]): CityGroup[] {
  const groups = new Map<string, SiteView[]>();
  for (const site of sites) {
    const list = groups.get(site.city);
    if (list) list.push(siteView(site));
    else groups.set(site.city, [siteView(site)]);
  }
  const cities = [...groups.keys()].sort(collator.compare);
  return cities.map((city, index) => {
    const list = groups.get(city) ?? [];
    return { city, count: list.length, countLabel: count(list.length, 'site'), sites: list, last: index === cities.length - 1 };
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
