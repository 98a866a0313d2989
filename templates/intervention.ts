import { z } from 'zod';
import type { Site } from '../src/projects/schema.js';
import type { Window } from '../src/render/dates.js';
import type { ViewKit } from '../src/render/manifest.js';
import { instant, interventionKind, line, siteRef } from './fields.js';

/** What the intervention notice (email) and reminder (SMS) share: the site and the arrival window. */

export const interventionFields = {
  siteRef: siteRef.optional().describe('Site of the visit; may be omitted when the order has a single site'),
  kind: interventionKind.describe(
    'access: the line is connected; service: the equipment is installed (always separate visits)',
  ),
  windowStart: instant.describe('Start of the arrival window (ISO with offset, shown in Europe/Paris time)'),
  windowEnd: instant.describe('End of the arrival window'),
};

export function checkWindow(value: { windowStart: string; windowEnd: string }, ctx: z.RefinementCtx): void {
  if (Date.parse(value.windowEnd) <= Date.parse(value.windowStart)) {
    ctx.addIssue({ code: 'custom', path: ['windowEnd'], message: 'must be after windowStart' });
  }
}

export interface Intervention {
  site: Site;
  window: Window;
  warnings: string[];
}

export function intervention(
  data: { siteRef?: string | undefined; windowStart: string; windowEnd: string },
  kit: ViewKit,
): Intervention {
  const site = kit.site(data.siteRef, 'siteRef');
  const window = kit.window(data.windowStart, data.windowEnd);
  const siteContact = kit.contact(site.contactId);
  const warnings: string[] = [];
  const hours = window.end.diff(window.start, 'minutes').minutes / 60;
  if (hours !== 4) warnings.push(`the arrival window lasts ${hours} h instead of the usual 4 h`);
  if (!siteContact) warnings.push(`site ${site.ref} has no contact of its own: the main contact is addressed`);
  return { site, window, warnings };
}

/** What a visit notice may say beyond its window: duration, access number, works, preparation. */
export const noticeFields = {
  durationMinutes: z
    .int()
    .min(15)
    .max(720)
    .optional()
    .describe('Expected duration on site; defaults to 2 h (access) or 3 h (service)'),
  accessNumber: line(40).optional().describe('Access or line number, when known'),
  works: z
    .string()
    .trim()
    .min(1)
    .max(1000)
    .optional()
    .describe('What the technician will do (plain text); a default is given per kind'),
  toPrepare: z
    .array(line(200))
    .min(1)
    .max(10)
    .optional()
    .describe('What the client must prepare; a default list is given per kind'),
};

export const VISIT_DEFAULTS = {
  access: {
    title: 'Raccordement de votre accès',
    works:
      "Le technicien raccordera votre nouvel accès jusqu'au point de livraison dans vos locaux, installera le boîtier de terminaison et vérifiera la qualité de la ligne.",
    toPrepare: [
      "l'accès au local technique (ou à la baie de brassage), avec les badges ou clés nécessaires",
      "une personne présente sur place pendant toute la durée de l'intervention",
      'une prise électrique libre à proximité du point de livraison',
    ],
    minutes: 120,
  },
  service: {
    title: 'Mise en service de vos équipements',
    works:
      'Le technicien installera et configurera vos équipements (routeur, téléphonie), puis vérifiera avec vous le bon fonctionnement de vos services.',
    toPrepare: [
      "l'accès à la baie de brassage et deux prises électriques libres",
      "la présence d'une personne connaissant votre réseau local (adressage IP, postes à raccorder)",
      "quelques minutes en fin d'intervention pour valider ensemble le bon fonctionnement",
    ],
    minutes: 180,
  },
} as const;

function durationLabel(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} minutes`;
  return rest === 0 ? `${hours} heure${hours > 1 ? 's' : ''}` : `${hours} h ${String(rest).padStart(2, '0')}`;
}

type NoticeInput = {
  siteRef?: string | undefined;
  kind: 'access' | 'service';
  windowStart: string;
  windowEnd: string;
  durationMinutes?: number | undefined;
  accessNumber?: string | undefined;
  works?: string | undefined;
  toPrepare?: string[] | undefined;
};

/** « mardi 28 avril 2026 entre 8 h et 12 h », or the whole span of a window across days. */
export function whenLabel(window: Window, kit: ViewKit): string {
  return window.sameDay ? `${kit.date(window.start)} ${window.label}` : window.label;
}

/** The same inside a sentence: « prévue le mardi 28 avril 2026 entre 8 h et 12 h ». */
export function whenPhrase(window: Window, kit: ViewKit): string {
  return window.sameDay ? `le ${whenLabel(window, kit)}` : window.label;
}

/**
 * Everything a visit notice shows (the first one or a modification), and the calendar event
 * it carries: the arrival window at the site's address.
 */
export function noticeDetails(input: NoticeInput, kit: ViewKit) {
  const { site, window, warnings } = intervention(input, kit);
  const defaults = VISIT_DEFAULTS[input.kind];
  const vars = {
    title: defaults.title,
    date: kit.date(window.start),
    shortDate: kit.shortDate(window.start),
    window: window.label,
    duration: durationLabel(input.durationMinutes ?? defaults.minutes),
    site: { ref: site.ref, name: site.name, address: kit.siteAddress(site) },
    access: site.access?.target ?? null,
    accessNumber: input.accessNumber ?? null,
    works: input.works ?? defaults.works,
    toPrepare: input.toPrepare ?? defaults.toPrepare,
  };
  return { site, window, warnings, vars, event: visitEvent('REQUEST', input, site, window, kit) };
}

/** The visit as a calendar shows it: who comes, for what, when the technician arrives, where. */
export function visitEvent(
  method: 'REQUEST' | 'CANCEL',
  input: { kind: 'access' | 'service'; windowStart: string; windowEnd: string },
  site: Site,
  window: Window,
  kit: ViewKit,
) {
  const title = VISIT_DEFAULTS[input.kind].title;
  return {
    method,
    start: input.windowStart,
    end: input.windowEnd,
    summary: `${kit.brand.name} : ${title.charAt(0).toLowerCase()}${title.slice(1)} (${site.name})`,
    description:
      method === 'CANCEL'
        ? `Intervention annulée. Commande ${kit.project.orderNumber}.`
        : `Arrivée du technicien ${window.label}. Commande ${kit.project.orderNumber}, site ${site.ref}.`,
    location: kit.siteAddress(site),
  };
}
