import { z } from 'zod';
import type { TemplateManifest } from '../../src/render/manifest.js';
import { closing, personalMessage } from '../blocks.js';
import { calendarDate, webUrl } from '../fields.js';
import { survey } from '../survey.js';

const data = z.strictObject({
  surveyUrl: webUrl
    .optional()
    .describe('Satisfaction survey page; defaults to the link of the recipient (PUBLIC_BASE_URL + the brand survey path + a token made when the mail goes out)'),
  sentOn: calendarDate
    .optional()
    .describe('When the survey was sent; defaults to the surveySent milestone (actual, else planned)'),
});

export default {
  key: 'relance-bilan',
  channel: 'email',
  milestone: 'surveySent',
  description: "Relance courte du client qui n'a pas encore répondu au questionnaire de satisfaction.",
  audience: 'main',
  listsSites: false,
  data,
  blocks: [personalMessage, closing('Merci par avance pour votre retour.')],
  view(input, kit) {
    const sent = kit.milestone('surveySent');
    const sentOn = input.sentOn ?? sent.actual ?? sent.planned;
    return {
      preheader: `Votre avis sur le déploiement de « ${kit.project.label} » : quelques minutes suffisent.`,
      vars: { sentOn: sentOn ? kit.date(sentOn) : null, ...survey(kit, input.surveyUrl) },
    };
  },
} satisfies TemplateManifest<typeof data>;
