import { z } from 'zod';
import type { TemplateManifest } from '../../src/render/manifest.js';
import { line } from '../fields.js';
import { checkWindow, intervention, interventionFields } from '../intervention.js';

const data = z
  .strictObject({
    ...interventionFields,
    siteShortName: line(30).optional().describe('Short site name for the SMS; defaults to the site name'),
    prepare: line(60).optional().describe('What to prepare, in a few words; a default is given per kind'),
  })
  .superRefine(checkWindow);

// Written in GSM-7 (no ê, ç, ’…): one accented character outside it halves the SMS capacity.
const PREPARE = { access: "l'accès au local technique", service: "l'accès à la baie et au réseau" } as const;
/** What is kept of the preparation phrase when the reminder would take two segments. */
const PREPARE_SHORT = { access: "l'accès au local", service: "l'accès à la baie" } as const;

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
    "Rappel par SMS de l'intervention d'un technicien, au contact du site : date, créneau, site, préparation et téléphone du RAC.",
  audience: 'main',
  listsSites: false,
  data,
  blocks: [],
  view(input, kit) {
    const { site, window, warnings } = intervention(input, kit);
    const hour = (date: typeof window.start) =>
      date.minute === 0 ? `${date.hour}h` : `${date.hour}h${String(date.minute).padStart(2, '0')}`;
    const vars = {
      day: window.sameDay ? `le ${kit.smsDate(window.start)}` : `du ${kit.smsDate(window.start)}`,
      window: window.sameDay
        ? `entre ${hour(window.start)} et ${hour(window.end)}`
        : `${hour(window.start)} au ${kit.smsDate(window.end)} ${hour(window.end)}`,
      site: input.siteShortName ?? site.name,
      prepare: input.prepare ?? PREPARE[input.kind],
    };
    // Tried in order, each on top of the previous one, while the SMS takes two segments.
    const shorter: { vars: typeof vars; warning: string }[] = [];
    let current = vars;
    if (input.prepare === undefined) {
      current = { ...current, prepare: PREPARE_SHORT[input.kind] };
      shorter.push({
        vars: current,
        warning: `the preparation phrase was shortened to "${current.prepare}" to fit one SMS segment`,
      });
    }
    const short = shortSiteName(current.site);
    if (input.siteShortName === undefined && short !== current.site) {
      current = { ...current, site: short };
      shorter.push({
        vars: current,
        warning: `the site name was shortened to "${short}" to fit one SMS segment (give siteShortName to choose it)`,
      });
    }
    if (window.sameDay) {
      current = { ...current, window: `${hour(window.start)}-${hour(window.end)}` };
      shorter.push({
        vars: current,
        warning: `the arrival window was written ${current.window} to fit one SMS segment`,
      });
    }
    return { warnings, vars, shorter };
  },
} satisfies TemplateManifest<typeof data>;
