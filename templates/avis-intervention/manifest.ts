import { z } from 'zod';
import type { TemplateManifest } from '../../src/render/manifest.js';
import { additionalInfo, closing, personalMessage } from '../blocks.js';
import { line } from '../fields.js';
import { checkWindow, intervention, interventionFields } from '../intervention.js';

const data = z
  .strictObject({
    ...interventionFields,
    durationMinutes: z
      .int()
      .min(15)
      .max(720)
      .optional()
      .describe('Expected duration on site; defaults to 2 h (access) or 3 h (service)'),
    accessNumber: line(40).optional().describe('Access or line number, when known'),
    works: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .optional()
      .describe('What the technician will do (plain text); a default is given per kind'),
    toPrepare: z
      .array(line(200))
      .min(1)
      .max(10)
      .optional()
      .describe('What the client must prepare; a default list is given per kind'),
  })
  .superRefine(checkWindow);

const DEFAULTS = {
  access: {
    title: 'Raccordement de votre accès',
    works:
      "Le technicien raccordera votre nouvel accès jusqu'au point de livraison dans vos locaux, installera le boîtier de terminaison et vérifiera la qualité de la ligne.",
    toPrepare: [
      "l'accès au local technique (ou à la baie de brassage), avec les badges ou clés nécessaires",
      "une personne présente sur place pendant toute la durée de l'intervention",
      'une prise électrique libre à proximité du point de livraison',
    ],
    minutes: 120,
  },
  service: {
    title: 'Mise en service de vos équipements',
    works:
      'Le technicien installera et configurera vos équipements (routeur, téléphonie), puis vérifiera avec vous le bon fonctionnement de vos services.',
    toPrepare: [
      "l'accès à la baie de brassage et deux prises électriques libres",
      "la présence d'une personne connaissant votre réseau local (adressage IP, postes à raccorder)",
      "quelques minutes en fin d'intervention pour valider ensemble le bon fonctionnement",
    ],
    minutes: 180,
  },
} as const;

function durationLabel(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} minutes`;
  return rest === 0 ? `${hours} heure${hours > 1 ? 's' : ''}` : `${hours} h ${String(rest).padStart(2, '0')}`;
}

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
    const { site, window, warnings } = intervention(input, kit);
    const defaults = DEFAULTS[input.kind];
    return {
      warnings,
      preheader: `${defaults.title}, ${window.sameDay ? `${kit.date(window.start)} ${window.label}` : window.label}, sur votre site ${site.name} : ce qu'il faut préparer.`,
      vars: {
        title: defaults.title,
        date: kit.date(window.start),
        shortDate: kit.shortDate(window.start),
        window: window.label,
        duration: durationLabel(input.durationMinutes ?? defaults.minutes),
        site: { ref: site.ref, name: site.name, address: `${site.address}, ${site.postalCode} ${site.city}` },
        access: site.access?.target ?? null,
        accessNumber: input.accessNumber ?? null,
        works: input.works ?? defaults.works,
        toPrepare: input.toPrepare ?? defaults.toPrepare,
      },
    };
  },
} satisfies TemplateManifest<typeof data>;
