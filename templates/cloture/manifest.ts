import { z } from 'zod';
import type { TemplateManifest, ViewKit } from '../../src/render/manifest.js';
import { additionalInfo, closing, personalMessage } from '../blocks.js';
import { calendarDate, line, siteRef, webUrl } from '../fields.js';

const data = z.strictObject({
  surveyUrl: webUrl
    .optional()
    .describe('Satisfaction survey link; defaults to PUBLIC_BASE_URL + the brand survey path + the project ref'),
  completedOn: calendarDate
    .optional()
    .describe('End of deployment; defaults to the deploymentEnd milestone (actual, else planned)'),
  exceptions: z
    .array(z.strictObject({ siteRef, note: line(300) }))
    .max(500)
    .optional()
    .describe('Sites not delivered as agreed at the kick-off meeting, each with a short explanation'),
  afterSales: z
    .array(
      z.strictObject({
        label: line(80),
        phone: line(40).optional(),
        email: z.email().optional(),
        hours: line(120).optional(),
      }),
    )
    .min(1)
    .max(5)
    .optional()
    .describe('After-sales contacts; defaults to those of the brand file'),
});

/** Delivered against what was planned at the kick-off meeting (RLE). */
function schedule(kit: ViewKit, completedOn: string): string | null {
  const planned = kit.milestone('deploymentEnd').planned;
  if (!planned) return null;
  if (planned === completedOn) return 'Cette date est conforme au planning établi lors de notre réunion de lancement.';
  if (completedOn < planned)
    return `Nous avons terminé avant la date prévue lors de notre réunion de lancement, le ${kit.date(planned)}.`;
  return `Notre réunion de lancement prévoyait une fin le ${kit.date(planned)} : merci pour votre patience face à ce décalage.`;
}

export default {
  key: 'cloture',
  channel: 'email',
  milestone: 'deploymentEnd',
  description:
    'Clôture du déploiement : sites livrés, écarts éventuels, contacts après-vente et lien vers le questionnaire de satisfaction.',
  audience: 'main',
  listsSites: true,
  preheader: 'Le déploiement de votre projet est terminé : récapitulatif, contacts après-vente et votre avis.',
  data,
  blocks: [
    personalMessage,
    additionalInfo,
    closing('Merci encore pour votre confiance et pour la qualité de nos échanges tout au long de ce projet.'),
  ],
  view(input, kit) {
    const end = kit.milestone('deploymentEnd');
    const completedOn =
      input.completedOn ??
      end.actual ??
      end.planned ??
      kit.fail('completedOn', 'required: the project has no deploymentEnd date');
    const exceptions = (input.exceptions ?? []).map((item, index) => {
      const site = kit.site(item.siteRef, `exceptions.${index}.siteRef`);
      return { ref: site.ref, name: site.name, note: item.note };
    });
    const afterSales = (input.afterSales ?? kit.brand.afterSales).map((contact) => ({
      label: contact.label,
      phone: contact.phone ?? null,
      email: contact.email ?? null,
      emailHref: contact.email ? `mailto:${contact.email}` : null,
      hours: contact.hours ?? null,
    }));
    return {
      vars: {
        completedOn: kit.date(completedOn),
        schedule: schedule(kit, completedOn),
        exceptions,
        surveyUrl: input.surveyUrl ?? kit.surveyUrl(),
        afterSales,
      },
    };
  },
} satisfies TemplateManifest<typeof data>;
