import type { DateTime } from 'luxon';
import { invalid } from '../errors.js';
import type { Contact, MilestoneCode, Project, Site } from '../projects/schema.js';
import type { Brand } from './brand.js';
import { frenchDate, frenchShortDate, frenchWindow, parseDate, smsDate, type Window } from './dates.js';
import type { ViewKit } from './manifest.js';
import { distinctContacts, displayPhone, mainContact } from './people.js';
import { count, fullName, joinFrench, offersView, type OffersView } from './phrasing.js';
import { siteAddress } from './sites.js';
import { question, ratingLinks, TOKEN_SLOT } from '../surveys/ratings.js';

/** Where survey pages live: PUBLIC_BASE_URL and the brand's survey path. */
export const surveyBase = (publicBaseUrl: string, brand: Pick<Brand, 'surveyPath'>) =>
  `${publicBaseUrl.replace(/\/+$/, '')}${brand.surveyPath}`;

/**
 * What a manifest's view() may use. A class rather than an object of closures: one is built
 * per message, and its methods then live once on the prototype.
 */
class Kit implements ViewKit {
  readonly offers: OffersView;
  constructor(
    readonly project: Project,
    readonly brand: Brand,
    readonly publicBaseUrl: string,
  ) {
    this.offers = offersView(project.offers);
  }

  fail(path: string, message: string): never {
    throw invalid([{ path: `data.${path}`, message }], 'invalid_template_data');
  }

  site(ref: string | undefined, path: string): Site {
    const { sites, orderNumber } = this.project;
    if (ref === undefined) {
      if (sites.length === 1 && sites[0]) return sites[0];
      return this.fail(path, sites.length === 0 ? 'the order has no site' : 'required: the order has several sites');
    }
    return sites.find((site) => site.ref === ref) ?? this.fail(path, `unknown site "${ref}" in order ${orderNumber}`);
  }

  contact(id: string | undefined): Contact | undefined {
    return id === undefined ? undefined : this.project.contacts.find((contact) => contact.id === id);
  }

  mainContact(): Contact | undefined {
    return mainContact(this.project);
  }

  distinctContacts(): Contact[] {
    return distinctContacts(this.project.contacts);
  }

  fullName(contact: Pick<Contact, 'firstName' | 'lastName'>): string {
    return fullName(contact);
  }

  milestone(code: string): { planned: string | null; actual: string | null } {
    const dates = this.project.milestones[code as MilestoneCode];
    return { planned: dates?.planned ?? null, actual: dates?.actual ?? null };
  }

  surveyUrl(): string {
    return `${surveyBase(this.publicBaseUrl, this.brand)}/${TOKEN_SLOT}`;
  }

  surveyQuestion(): string {
    return question(this.project.orderNumber);
  }

  surveyRatings(surveyUrl: string) {
    return ratingLinks(surveyUrl);
  }

  date(value: string | DateTime): string {
    return frenchDate(value);
  }

  shortDate(value: string | DateTime): string {
    return frenchShortDate(value);
  }

  smsDate(value: string | DateTime): string {
    return smsDate(typeof value === 'string' ? parseDate(value) : value);
  }

  window(startIso: string, endIso: string): Window {
    return frenchWindow(startIso, endIso);
  }

  phone(e164: string): string {
    return displayPhone(e164);
  }

  count(n: number, singular: string, plural?: string): string {
    return count(n, singular, plural);
  }

  joinFrench(items: readonly string[]): string {
    return joinFrench(items);
  }

  siteAddress(site: Site): string {
    return siteAddress(site);
  }
}

export function createKit(project: Project, brand: Brand, publicBaseUrl: string): ViewKit {
  return new Kit(project, brand, publicBaseUrl);
}
