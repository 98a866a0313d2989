import type { z } from 'zod';
import type { Site } from '../src/projects/schema.js';
import type { Window } from '../src/render/dates.js';
import type { ViewKit } from '../src/render/manifest.js';
import { instant, interventionKind, siteRef } from './fields.js';

/** What the intervention notice (email) and reminder (SMS) share: the site and the arrival window. */

export const interventionFields = {
  siteRef: siteRef.optional().describe('Site of the visit; may be omitted when the order has a single site'),
  kind: interventionKind.describe(
    'access: the line is connected; service: the equipment is installed (always separate visits)',
  ),
  windowStart: instant.describe('Start of the arrival window (ISO with offset, shown in Europe/Paris time)'),
  windowEnd: instant.describe('End of the arrival window'),
};

export function checkWindow(value: { windowStart: string; windowEnd: string }, ctx: z.RefinementCtx): void {
  if (Date.parse(value.windowEnd) <= Date.parse(value.windowStart)) {
    ctx.addIssue({ code: 'custom', path: ['windowEnd'], message: 'must be after windowStart' });
  }
}

export interface Intervention {
  site: Site;
  window: Window;
  warnings: string[];
}

export function intervention(
  data: { siteRef?: string | undefined; windowStart: string; windowEnd: string },
  kit: ViewKit,
): Intervention {
  const site = kit.site(data.siteRef, 'siteRef');
  const window = kit.window(data.windowStart, data.windowEnd);
  const siteContact = kit.contact(site.contactId);
  const warnings: string[] = [];
  const hours = window.end.diff(window.start, 'minutes').minutes / 60;
  if (hours !== 4) warnings.push(`the arrival window lasts ${hours} h instead of the usual 4 h`);
  if (!siteContact) warnings.push(`site ${site.ref} has no contact of its own: the main contact is addressed`);
  return { site, window, warnings };
}
