import { z } from 'zod';
import type { TemplateManifest } from '../../src/render/manifest.js';
import { additionalInfo, closing, personalMessage } from '../blocks.js';
import { instant, interventionKind, siteRef } from '../fields.js';
import {
  checkWindow,
  interventionFields,
  noticeDetails,
  noticeFields,
  VISIT_DEFAULTS,
  whenLabel,
  whenPhrase,
} from '../intervention.js';

/** The visit as the client was last told of it. */
const previous = z
  .strictObject({
    siteRef: siteRef.optional(),
    kind: interventionKind,
    windowStart: instant,
    windowEnd: instant,
  })
  .superRefine(checkWindow)
  .describe('The visit as the client was last told of it (date, window, site, kind)');

const data = z.strictObject({ ...interventionFields, ...noticeFields, previous }).superRefine(checkWindow);

export default {
  key: 'modification-intervention',
  channel: 'email',
  milestone: 'intervention',
  description:
    "Modification d'une intervention déjà annoncée au client : ce qui change (date, créneau, site), la nouvelle intervention et l'invitation d'agenda mise à jour.",
  audience: 'main',
  listsSites: false,
  data,
  blocks: [
    personalMessage,
    additionalInfo,
    closing(
      'Si ce nouveau créneau ne vous convient pas, merci de me prévenir au plus vite : nous en fixerons un autre ensemble.',
    ),
  ],
  view(input, kit) {
    const { site, window, warnings, vars, event } = noticeDetails(input, kit);
    const before = input.previous;
    const beforeSite = kit.project.sites.find((item) => item.ref === (before.siteRef ?? site.ref));
    const beforeWindow = kit.window(before.windowStart, before.windowEnd);
    const changes: { label: string; before: string; after: string }[] = [];
    if (!beforeWindow.start.hasSame(window.start, 'day'))
      changes.push({ label: 'Date', before: kit.date(beforeWindow.start), after: kit.date(window.start) });
    if (beforeWindow.label !== window.label)
      changes.push({ label: 'Arrivée du technicien', before: beforeWindow.label, after: window.label });
    if (beforeSite?.ref !== site.ref)
      changes.push({ label: 'Site', before: beforeSite?.name ?? before.siteRef ?? '', after: site.name });
    if (before.kind !== input.kind)
      changes.push({ label: 'Intervention', before: VISIT_DEFAULTS[before.kind].title, after: vars.title });
    if (changes.length === 0) warnings.push('the visit is as the client was last told: there is no change to announce');
    const dateChanged = changes.some((change) => change.label === 'Date');
    const subject = dateChanged
      ? `Nouvelle date pour l'intervention sur votre site ${site.name} : ${vars.shortDate}`
      : `Intervention du ${vars.shortDate} sur votre site ${site.name} : ${changes.length === 1 && changes[0]?.label === 'Arrivée du technicien' ? 'nouvel horaire' : 'modification'}`;
    return {
      warnings,
      preheader: `Nouveau rendez-vous : ${whenLabel(window, kit)}, sur votre site ${site.name}.`,
      vars: {
        ...vars,
        subject,
        was: { when: whenPhrase(beforeWindow, kit), site: beforeSite?.name ?? site.name },
        changes,
      },
      event,
    };
  },
} satisfies TemplateManifest<typeof data>;
