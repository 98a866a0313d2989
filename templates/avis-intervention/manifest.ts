import { z } from 'zod';
import type { TemplateManifest } from '../../src/render/manifest.js';
import { additionalInfo, closing, personalMessage } from '../blocks.js';
import { checkWindow, interventionFields, noticeDetails, noticeFields, whenLabel } from '../intervention.js';

const data = z.strictObject({ ...interventionFields, ...noticeFields }).superRefine(checkWindow);

export default {
  key: 'avis-intervention',
  channel: 'email',
  milestone: 'intervention',
  description:
    "Avis d'intervention d'un technicien sur un site : date, créneau d'arrivée, durée, travaux et préparation attendue.",
  audience: 'main',
  listsSites: false,
  data,
  blocks: [
    personalMessage,
    additionalInfo,
    closing(
      'Si ce créneau ne vous convient pas, merci de me prévenir au plus vite : nous en fixerons un autre ensemble.',
    ),
  ],
  view(input, kit) {
    const { site, window, warnings, vars, event } = noticeDetails(input, kit);
    return {
      warnings,
      preheader: `${vars.title}, ${whenLabel(window, kit)}, sur votre site ${site.name} : ce qu'il faut préparer.`,
      vars,
      event,
    };
  },
} satisfies TemplateManifest<typeof data>;
