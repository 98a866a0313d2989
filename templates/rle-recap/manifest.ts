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
    .describe('Who attended; defaults to the RAC and the client main and technical contacts (never billing)'),
  strategy: z
    .string()
    .trim()
    .min(1)
    .max(2000)
    .optional()
    .describe(
      'Deployment strategy agreed at the meeting (plain text); without it, a proposal is written from the sites',
    ),
  ipPlanDueDate: calendarDate.optional().describe('Date by which the client sends its IP addressing plan'),
  nextMilestones: z
    .array(z.strictObject({ label: line(120), date: calendarDate }))
    .max(20)
    .optional()
    .describe('Defaults to the project milestones planned after the meeting'),
});

/** Without the caller's strategy, a proposal from the RAC: never presented as a decision. */
function proposedStrategy(kit: ViewKit): string {
  const sites = kit.project.sites;
  if (sites.length <= 1)
    return 'Je vous propose une mise en service en une seule étape, dès que nous aurons validé ensemble les prérequis techniques.';
  const main = sites.find((site) => site.role === 'main');
  const first = main ? `le site principal (${main.name})` : 'un premier site pilote';
  const others = sites.length - 1;
  return `Je vous propose de raccorder et de mettre en service ${first} en premier, puis ${others === 1 ? "l'autre site" : `les ${others} autres sites`} par vagues successives, en limitant autant que possible les interruptions de service. Dites-moi si cet ordre vous convient.`;
}

/** The RAC and the client's main and technical contacts, once each: billing does not attend a kick-off. */
function defaultParticipants(kit: ViewKit): { name: string; organisation?: string; role?: string }[] {
  const rac = kit.project.rac;
  const roles: Record<string, string> = { main: 'contact principal', technical: 'contact technique' };
  const client = kit
    .distinctContacts()
    .filter((contact) => contact.role === 'main' || contact.role === 'technical')
    .map((contact) => ({
      name: kit.fullName(contact),
      organisation: kit.project.client.company,
      role: roles[contact.role] ?? '',
    }));
  return [
    ...client,
    { name: `${rac.firstName} ${rac.lastName}`, organisation: kit.brand.name, role: 'Responsable Affaire Client' },
  ];
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
    const participants = input.participants ?? defaultParticipants(kit);
    const milestones = input.nextMilestones ?? defaultMilestones(kit, meeting);
    const next = milestones[0];
    return {
      preheader: `Notre réunion du ${kit.shortDate(meeting)} : vos actions avant nos interventions${
        next ? `, puis ${next.label.charAt(0).toLowerCase()}${next.label.slice(1)} le ${kit.shortDate(next.date)}` : ''
      }.`,
      vars: {
        meetingDate: kit.date(meeting),
        meetingShortDate: kit.shortDate(meeting),
        participants: participants.map((p) => ({
          name: p.name,
          detail: [p.organisation, p.role].filter(Boolean).join(', '),
        })),
        strategy: input.strategy ?? proposedStrategy(kit),
        strategyAgreed: input.strategy !== undefined,
        ipPlanDueDate: input.ipPlanDueDate ? kit.date(input.ipPlanDueDate) : null,
        nextMilestones: milestones.map((item) => ({ label: item.label, date: kit.date(item.date) })),
      },
    };
  },
} satisfies TemplateManifest<typeof data>;
