import type { DateTime } from 'luxon';
import type { z } from 'zod';
import type { Contact, Project, Site } from '../projects/schema.js';
import type { Brand } from './brand.js';
import type { Window } from './dates.js';
import type { OffersView } from './phrasing.js';
import type { SiteNote } from './sites.js';

/**
 * What a template folder's manifest.ts default-exports. Manifests import nothing from src at
 * run time (only types): what they need to prepare their variables comes in the ViewKit.
 */

export interface BlockSpec {
  name: string;
  /** Shown to the sender in the editor. */
  label: string;
  default: string;
  maxLength: number;
  /** A required block cannot be emptied by the sender. */
  required: boolean;
}

export interface ViewKit {
  project: Project;
  brand: Brand;
  publicBaseUrl: string;
  offers: OffersView;
  /** Throws a 400 naming `data.<path>`. */
  fail(path: string, message: string): never;
  /** The site with this ref; without a ref, the order's only site; otherwise a 400 on `path`. */
  site(ref: string | undefined, path: string): Site;
  contact(id: string | undefined): Contact | undefined;
  mainContact(): Contact | undefined;
  /** Client contacts, once per email address. */
  distinctContacts(): Contact[];
  fullName(contact: Pick<Contact, 'firstName' | 'lastName'>): string;
  /** planned/actual dates of a milestone, null when unknown. */
  milestone(code: string): { planned: string | null; actual: string | null };
  /** The recipient's own survey page (its token is put in when the mail goes out). */
  surveyUrl(): string;
  /** The survey's question for this order. */
  surveyQuestion(): string;
  /** The five rating links of a survey address, 1 « très insatisfait » to 5 « très satisfait ». */
  surveyRatings(surveyUrl: string): { value: number; label: string; url: string }[];
  /** "mardi 14 avril 2026"; a string is a YYYY-MM-DD date or an instant with offset (shown in Paris time). */
  date(value: string | DateTime): string;
  /** "14 avril 2026" */
  shortDate(value: string | DateTime): string;
  /** "mardi 14/04" */
  smsDate(value: string | DateTime): string;
  window(startIso: string, endIso: string): Window;
  phone(e164: string): string;
  count(n: number, singular: string, plural?: string): string;
  joinFrench(items: readonly string[]): string;
  /** "104 avenue Jean Jaurès, 34000 Montpellier": the one way a site's address is written. */
  siteAddress(site: Site): string;
}

export interface ViewResult {
  /** Exposed to the template as `data`. Every key a template reads must be present (strict mode). */
  vars: Record<string, unknown>;
  warnings?: string[];
  /** Preview text of this message, from its content; else the manifest's. */
  preheader?: string;
  /** Sites to point out (a gap at closure): in the summary of a large order and in the attached list. */
  siteNotes?: SiteNote[];
  /**
   * SMS only: shorter variables to try, in order, while the message takes more than one
   * segment; the warning of the variant used goes into the result.
   */
  shorter?: { vars: Record<string, unknown>; warning: string }[];
  /**
   * Email only: the calendar event the message is about (a technician visit). A message sent
   * for a booked visit carries it as an invitation (REQUEST) or its withdrawal (CANCEL).
   */
  event?: CalendarEvent;
}

export interface CalendarEvent {
  method: 'REQUEST' | 'CANCEL';
  /** Start and end of the arrival window, ISO instants with offset. */
  start: string;
  end: string;
  summary: string;
  description?: string;
  /** Where it happens: the site's address. */
  location: string;
}

export interface TemplateManifest<S extends z.ZodType = z.ZodType> {
  key: string;
  channel: 'email' | 'sms';
  /** Milestone the message belongs to (a code of the project or "intervention"), or null. */
  milestone: string | null;
  description: string;
  /** Who the message is for by default (see src/projects/audience.ts): the main contact, or every client contact. */
  audience: 'main' | 'all';
  /** True when the message names every site of the order (checked by tests and templates:check). */
  listsSites: boolean;
  /** Preview text shown by mail clients next to the subject (email only), when view() gives none. */
  preheader?: string;
  data: S;
  blocks: BlockSpec[];
  view(data: z.output<S>, kit: ViewKit): ViewResult;
}
