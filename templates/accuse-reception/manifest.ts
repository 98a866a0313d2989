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
    'Accusé de réception de la commande : remerciements, accompagnement par le RAC, prochaine étape et sites concernés.',
  audience: 'main',
  listsSites: true,
  data,
  blocks: [
    personalMessage,
    additionalInfo,
    closing('Je reste à votre disposition pour toute question et vous remercie de votre confiance.'),
  ],
  view(input, kit) {
    const sites = kit.project.sites;
    const scope =
      sites.length === 1 ? ` (${sites[0]?.name})` : sites.length > 1 ? ` (${kit.count(sites.length, 'site')})` : '';
    return {
      vars: {
        prerequisitesVideoUrl: input.prerequisitesVideoUrl ?? null,
        ofSites: sites.length === 1 ? 'de votre site' : sites.length > 1 ? 'de vos sites' : 'de vos services',
      },
      preheader: `Commande ${kit.project.orderNumber}${scope} bien reçue : je vous appelle dans les prochains jours pour convenir de la suite.`,
    };
  },
} satisfies TemplateManifest<typeof data>;
