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
    return {
      warnings,
      vars: {
        day: window.sameDay ? `le ${kit.smsDate(window.start)}` : `du ${kit.smsDate(window.start)}`,
        window: window.sameDay
          ? `entre ${hour(window.start)} et ${hour(window.end)}`
          : `${hour(window.start)} au ${kit.smsDate(window.end)} ${hour(window.end)}`,
        site: input.siteShortName ?? site.name,
        prepare: input.prepare ?? PREPARE[input.kind],
      },
    };
  },
} satisfies TemplateManifest<typeof data>;
