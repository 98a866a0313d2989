import { z } from 'zod';
import type { TemplateManifest } from '../../src/render/manifest.js';
import { additionalInfo, closing, personalMessage } from '../blocks.js';
import { webUrl } from '../fields.js';

const data = z.strictObject({
  prerequisitesVideoUrl: webUrl
    .optional()
    .describe('Link to the prerequisites video; the paragraph appears only when given'),
});

export default {
  key: 'accuse-reception',
  channel: 'email',
  milestone: 'clientContact',
  description:
    'Accusé de réception de la commande : remerciements, sites concernés, accompagnement par le RAC et prochaine étape.',
  audience: 'main',
  listsSites: true,
  preheader: "Votre commande est prise en charge : je vous accompagne jusqu'à la mise en service.",
  data,
  blocks: [
    personalMessage,
    additionalInfo,
    closing('Je reste à votre disposition pour toute question et vous remercie de votre confiance.'),
  ],
  view: (input) => ({ vars: { prerequisitesVideoUrl: input.prerequisitesVideoUrl ?? null } }),
} satisfies TemplateManifest<typeof data>;
