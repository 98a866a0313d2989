import { z } from 'zod';
import type { TemplateManifest } from '../../src/render/manifest.js';
import { checkWindow, intervention, interventionFields } from '../intervention.js';

/** The visit as the client was told of it: that is what is cancelled. */
const data = z.strictObject({ ...interventionFields }).superRefine(checkWindow);

export default {
  key: 'annulation-intervention-sms',
  channel: 'sms',
  milestone: 'intervention',
  description:
    "SMS d'annulation d'une intervention prévue dans les 48 heures, au contact du site : date, créneau, site et téléphone du RAC.",
  audience: 'main',
  listsSites: false,
  data,
  blocks: [],
  view(input, kit) {
    const { site, window, warnings } = intervention(input, kit);
    const hour = (date: typeof window.start) =>
      date.minute === 0 ? `${date.hour}h` : `${date.hour}h${String(date.minute).padStart(2, '0')}`;
    const vars = {
      day: kit.smsDate(window.start),
      window: window.sameDay
        ? `entre ${hour(window.start)} et ${hour(window.end)}`
        : `à partir de ${hour(window.start)}`,
      site: site.name,
    };
    return { warnings, vars, shorter: [] };
  },
} satisfies TemplateManifest<typeof data>;
