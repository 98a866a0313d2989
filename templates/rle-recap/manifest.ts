import { z } from 'zod';
import type { TemplateManifest, ViewKit } from '../../src/render/manifest.js';
import { additionalInfo, closing, personalMessage } from '../blocks.js';
import { calendarDate, instant, line } from '../fields.js';

const data = z.strictObject({
  meetingDate: z
    .union([calendarDate, instant])
    .optional()
    .describe("Date of the kick-off meeting; defaults to the project's rle milestone (actual, else planned)"),
  participants: z
    .array(z.strictObject({ name: line(120), organisation: line(120).optional(), role: line(120).optional() }))
    .min(1)
    .max(30)
    .optional()
    .describe('Defaults to the client contacts (once per email address) and the RAC'),
  strategy: z
    .string()
    .trim()
    .min(1)
    .max(2000)
    .optional()
    .describe('Agreed deployment strategy (plain text); a default is written from the sites'),
  ipPlanDueDate: calendarDate.optional().describe('Date by which the client sends its IP addressing plan'),
  nextMilestones: z
    .array(z.strictObject({ label: line(120), date: calendarDate }))
    .max(20)
    .optional()
    .describe('Defaults to the project milestones planned after the meeting'),
});

function defaultStrategy(kit: ViewKit): string {
  const sites = kit.project.sites;
  if (sites.length <= 1)
    return 'Mise en service de votre site en une seule étape, dès que les prérequis techniques seront validés ensemble.';
  const main = sites.find((site) => site.role === 'main');
  const first = main ? `du site principal (${main.name})` : "d'un premier site pilote";
  return `Raccordement et mise en service ${first} en premier, puis des ${sites.length - 1} autres sites par vagues successives, en limitant autant que possible les interruptions de service.`;
}

function defaultMilestones(kit: ViewKit, after: string): { label: string; date: string }[] {
  const labels: [string, string][] = [
    [
      'deploymentEnd',
      kit.project.sites.length === 1 ? 'Mise en service de votre site' : "Fin du déploiement de l'ensemble des sites",
    ],
    ['surveySent', 'Envoi du questionnaire de satisfaction'],
  ];
  return labels
    .map(([code, label]) => ({ label, date: kit.milestone(code).planned ?? '' }))
    .filter((item) => item.date > after.slice(0, 10))
    .sort((a, b) => a.date.localeCompare(b.date));
}

export default {
  key: 'rle-recap',
  channel: 'email',
  milestone: 'rle',
  description:
    'Compte rendu de la réunion de lancement avec le client : participants, stratégie de déploiement, actions client et prochains jalons.',
  audience: 'all',
  listsSites: true,
  preheader: 'Participants, stratégie retenue, vos actions et les prochaines dates de votre projet.',
  data,
  blocks: [
    personalMessage,
    additionalInfo,
    closing("N'hésitez pas à me faire part de vos remarques sur ce compte rendu."),
  ],
  view(input, kit) {
    const rle = kit.milestone('rle');
    const meeting =
      input.meetingDate ??
      rle.actual ??
      rle.planned ??
      kit.fail('meetingDate', 'required: the project has no RLE date');
    const rac = kit.project.rac;
    const participants: { name: string; organisation?: string; role?: string }[] = input.participants ?? [
      ...kit
        .distinctContacts()
        .map((contact) => ({ name: kit.fullName(contact), organisation: kit.project.client.company })),
      { name: `${rac.firstName} ${rac.lastName}`, organisation: kit.brand.name, role: 'Responsable Affaire Client' },
    ];
    const milestones = input.nextMilestones ?? defaultMilestones(kit, meeting);
    return {
      vars: {
        meetingDate: kit.date(meeting),
        meetingShortDate: kit.shortDate(meeting),
        participants: participants.map((p) => ({
          name: p.name,
          detail: [p.organisation, p.role].filter(Boolean).join(', '),
        })),
        strategy: input.strategy ?? defaultStrategy(kit),
        ipPlanDueDate: input.ipPlanDueDate ? kit.date(input.ipPlanDueDate) : null,
        nextMilestones: milestones.map((item) => ({ label: item.label, date: kit.date(item.date) })),
      },
    };
  },
} satisfies TemplateManifest<typeof data>;
