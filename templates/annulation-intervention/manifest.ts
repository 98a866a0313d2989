import { z } from 'zod';
import type { TemplateManifest } from '../../src/render/manifest.js';
import { additionalInfo, closing, personalMessage } from '../blocks.js';
import {
  checkWindow,
  intervention,
  interventionFields,
  VISIT_DEFAULTS,
  visitEvent,
  whenLabel,
  whenPhrase,
} from '../intervention.js';

/** The visit as the client was told of it: that is what is cancelled. */
const data = z.strictObject({ ...interventionFields }).superRefine(checkWindow);

export default {
  key: 'annulation-intervention',
  channel: 'email',
  milestone: 'intervention',
  description:
    "Annulation d'une intervention déjà annoncée au client : le rendez-vous qui n'aura pas lieu, retiré de son agenda.",
  audience: 'main',
  listsSites: false,
  data,
  blocks: [
    personalMessage,
    additionalInfo,
    closing(
      'Je reviens vers vous très vite pour convenir de la suite. Si vous avez la moindre question, vous pouvez me joindre directement.',
    ),
  ],
  view(input, kit) {
    const { site, window, warnings } = intervention(input, kit);
    const when = whenPhrase(window, kit);
    return {
      warnings,
      preheader: `Le rendez-vous prévu ${when} sur votre site ${site.name} n'aura pas lieu.`,
      vars: {
        title: VISIT_DEFAULTS[input.kind].title,
        when,
        date: whenLabel(window, kit),
        shortDate: kit.shortDate(window.start),
        site: { ref: site.ref, name: site.name, address: kit.siteAddress(site) },
      },
      event: visitEvent('CANCEL', input, site, window, kit),
    };
  },
} satisfies TemplateManifest<typeof data>;
