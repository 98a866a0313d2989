import { z } from 'zod';
import type { TemplateManifest } from '../../src/render/manifest.js';
import { instant, interventionKind, line, siteRef } from '../fields.js';
import { checkWindow, intervention, interventionFields } from '../intervention.js';

/** Another visit of the same day for the same person: one SMS names them all. */
const otherVisit = z
  .strictObject({
    siteRef: siteRef.optional().describe('Site of that visit'),
    kind: interventionKind,
    windowStart: instant,
    windowEnd: instant,
  })
  .superRefine(checkWindow);

const data = z
  .strictObject({
    ...interventionFields,
    siteShortName: line(30).optional().describe('Short site name for the SMS; defaults to the site name'),
    prepare: line(60).optional().describe('What to prepare, in a few words; a default is given per kind'),
    others: z
      .array(otherVisit)
      .max(3)
      .optional()
      .describe('Other visits of the same day for the same contact, named in the same SMS, in order'),
  })
  .superRefine(checkWindow);

// Written in GSM-7 (no ê, ç, ’…): one accented character outside it halves the SMS capacity.
const PREPARE = {
  access: "l'accès au local technique",
  service: "l'accès à la baie et au réseau",
  both: "l'accès au local technique et à la baie",
} as const;
/** What is kept of the preparation phrase when the reminder would take two segments. */
const PREPARE_SHORT = {
  access: "l'accès au local",
  service: "l'accès à la baie",
  both: "l'accès au local et à la baie",
} as const;

const ABBREVIATIONS: [RegExp, string][] = [
  [/\bAgence\b/g, 'Ag.'],
  [/\bSainte\b/g, 'Ste'],
  [/\bSaint\b/g, 'St'],
  [/\bBoulevard\b/g, 'Bd'],
  [/\bAvenue\b/g, 'Av.'],
  [/\bPharmacie\b/g, 'Pharm.'],
  [/\bCentre\b/g, 'Ctre'],
];

/** A site name in the usual French abbreviations (« Agence Sainte-Maxime 10 » → « Ag. Ste-Maxime 10 »). */
function shortSiteName(name: string): string {
  return ABBREVIATIONS.reduce((text, [pattern, short]) => text.replace(pattern, short), name);
}

export default {
  key: 'rappel-intervention',
  channel: 'sms',
  milestone: 'intervention',
  description:
    "Rappel par SMS de l'intervention d'un technicien, au contact du site : date, créneau, site, préparation et téléphone du RAC. Les visites du même jour pour la même personne partagent un SMS.",
  audience: 'main',
  listsSites: false,
  data,
  blocks: [],
  view(input, kit) {
    const first = intervention(input, kit);
    const warnings = [...first.warnings];
    const others = (input.others ?? []).map((other, index) => {
      const visit = intervention(other, kit);
      if (!visit.window.start.hasSame(first.window.start, 'day'))
        kit.fail(`others.${index}.windowStart`, 'must be on the same day as the first visit');
      return { ...visit, kind: other.kind };
    });
    const visits = [{ ...first, kind: input.kind }, ...others];
    const kinds = new Set(visits.map((visit) => visit.kind));
    const kind = kinds.size > 1 ? 'both' : input.kind;
    const hour = (date: typeof first.window.start) =>
      date.minute === 0 ? `${date.hour}h` : `${date.hour}h${String(date.minute).padStart(2, '0')}`;
    const windowOf = (window: typeof first.window, compact: boolean) =>
      window.sameDay
        ? compact
          ? `${hour(window.start)}-${hour(window.end)}`
          : `entre ${hour(window.start)} et ${hour(window.end)}`
        : `${hour(window.start)} au ${kit.smsDate(window.end)} ${hour(window.end)}`;
    const build = (options: { prepare: string | null; short: boolean; compact: boolean }) => {
      const siteName = (name: string, given?: string) => given ?? (options.short ? shortSiteName(name) : name);
      return {
        what: visits.length > 1 ? `${visits.length} interventions` : 'intervention',
        day: first.window.sameDay ? `le ${kit.smsDate(first.window.start)}` : `du ${kit.smsDate(first.window.start)}`,
        window: windowOf(first.window, options.compact),
        site: siteName(first.site.name, input.siteShortName),
        then: others.map((other) => ({
          window: windowOf(other.window, options.compact),
          site: siteName(other.site.name),
        })),
        prepare: options.prepare,
      };
    };
    const vars = build({ prepare: input.prepare ?? PREPARE[kind], short: false, compact: false });
    // Tried in order, each on top of the previous one, while the SMS takes two segments.
    const shorter: { vars: typeof vars; warning: string }[] = [];
    let options: Parameters<typeof build>[0] = { prepare: vars.prepare, short: false, compact: false };
    if (input.prepare === undefined) {
      options = { ...options, prepare: PREPARE_SHORT[kind] };
      shorter.push({
        vars: build(options),
        warning: `the preparation phrase was shortened to "${options.prepare}" to fit one SMS segment`,
      });
    }
    const named = [...(input.siteShortName === undefined ? [first.site.name] : []), ...others.map((o) => o.site.name)];
    const renamed = named.filter((name) => shortSiteName(name) !== name);
    if (renamed.length > 0) {
      options = { ...options, short: true };
      const names = renamed.map((name) => `"${shortSiteName(name)}"`).join(', ');
      shorter.push({
        vars: build(options),
        warning: `the site name was shortened to ${names} to fit one SMS segment (give siteShortName to choose it)`,
      });
    }
    if (visits.some((visit) => visit.window.sameDay)) {
      options = { ...options, compact: true };
      const next = build(options);
      shorter.push({
        vars: next,
        warning: `the arrival window was written ${[next.window, ...next.then.map((t) => t.window)].join(', ')} to fit one SMS segment`,
      });
    }
    if (others.length > 0 && input.prepare === undefined) {
      // Several visits: their notices say what to prepare, the SMS keeps the times and places.
      options = { ...options, prepare: null };
      shorter.push({
        vars: build(options),
        warning: 'the preparation phrase was left out to fit one SMS segment (the notices say what to prepare)',
      });
    }
    return { warnings, vars, shorter };
  },
} satisfies TemplateManifest<typeof data>;
