import { z } from 'zod';
import type { TemplateManifest, ViewKit } from '../../src/render/manifest.js';
import { additionalInfo, closing, personalMessage } from '../blocks.js';
import { calendarDate, line, siteRef, webUrl } from '../fields.js';
import { survey } from '../survey.js';

const data = z.strictObject({
  surveyUrl: webUrl
    .optional()
    .describe('Satisfaction survey page; defaults to the link of the recipient (PUBLIC_BASE_URL + the brand survey path + a token made when the mail goes out)'),
  completedOn: calendarDate
    .optional()
    .describe('End of deployment; defaults to the deploymentEnd milestone (actual, else planned)'),
  exceptions: z
    .array(
      z.strictObject({
        siteRef,
        note: line(300),
        inService: z.boolean().optional().describe('false when the site is not in service yet (default true)'),
      }),
    )
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

/**
 * The first sentence, from each site's state: every site in service, some still to do, a
 * single site, or none listed. Never « vos 0 sites », never « tous en service » above pending sites.
 */
function opening(kit: ViewKit, completedOn: string, pending: number): string {
  const { sites } = kit.project;
  const what = kit.offers.count > 0 ? kit.offers.ofPhrase : 'de votre commande';
  const since = `depuis le ${kit.date(completedOn)}`;
  if (sites.length === 0) return `J'ai le plaisir de vous confirmer que le déploiement ${what} est terminé ${since}.`;
  const inService = sites.length - pending;
  if (pending === 0) {
    const state =
      sites.length === 1
        ? `votre site ${sites[0]?.name} (réf. ${sites[0]?.ref}) est en service ${since}`
        : `vos ${sites.length} sites sont en service ${since}`;
    return `J'ai le plaisir de vous confirmer que le déploiement ${what} est terminé : ${state}.`;
  }
  if (inService === 0)
    return sites.length === 1
      ? `Le déploiement ${what} touche à sa fin, mais votre site n'est pas encore en service : je vous en explique la raison ci-dessous.`
      : `Le déploiement ${what} touche à sa fin, mais vos sites ne sont pas encore en service : je vous en explique les raisons ci-dessous.`;
  const done =
    inService === 1
      ? `1 de vos ${sites.length} sites est en service`
      : `${inService} de vos ${sites.length} sites sont en service`;
  const rest =
    pending === 1 ? 'le dernier reste à mettre en service' : `les ${pending} autres restent à mettre en service`;
  return `Le déploiement ${what} touche à sa fin : ${done} ${since} ; ${rest}, comme je vous l'explique ci-dessous.`;
}

/** Delivered against what was planned at the kick-off meeting (RLE); « conforme » only when it all was. */
function schedule(kit: ViewKit, completedOn: string, gaps: number): string | null {
  const planned = kit.milestone('deploymentEnd').planned;
  if (!planned) return null;
  if (planned === completedOn)
    return gaps === 0 ? 'Cette date est conforme au planning établi lors de notre réunion de lancement.' : null;
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
      const note = item.inService === false ? `pas encore en service, ${item.note}` : item.note;
      return { ref: site.ref, name: site.name, note, pending: item.inService === false };
    });
    const pending = new Set(exceptions.filter((item) => item.pending).map((item) => item.ref)).size;
    const total = kit.project.sites.length;
    const afterSales = (input.afterSales ?? kit.brand.afterSales).map((contact) => ({
      label: contact.label,
      phone: contact.phone ?? null,
      phoneHref: contact.phone ? `tel:${contact.phone.replace(/[^\d+]/g, '')}` : null,
      email: contact.email ?? null,
      emailHref: contact.email ? `mailto:${contact.email}` : null,
      hours: contact.hours ?? null,
    }));
    return {
      siteNotes: exceptions.map((item) => ({ siteRef: item.ref, note: item.note })),
      preheader:
        total === 0
          ? 'Le déploiement est terminé : contacts après-vente et votre avis en quelques minutes.'
          : pending === 0
            ? `${total === 1 ? 'Votre site est en service' : `Vos ${total} sites sont en service`} : récapitulatif, contacts après-vente et votre avis en quelques minutes.`
            : `${total - pending} de vos ${total} sites en service : le point sur les derniers, et votre avis en quelques minutes.`,
      vars: {
        opening: opening(kit, completedOn, pending),
        completedOn: kit.date(completedOn),
        schedule: schedule(kit, completedOn, exceptions.length),
        exceptions: exceptions.map(({ ref, name, note }) => ({ ref, name, note })),
        ...survey(kit, input.surveyUrl),
        afterSales,
      },
    };
  },
} satisfies TemplateManifest<typeof data>;
