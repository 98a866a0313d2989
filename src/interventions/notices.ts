import { isHeard } from '../messages/lifecycle.js';
import type { MessageRow } from '../messages/moves.js';
import type { ReminderPlan } from './reminders.js';

/**
 * What the client must be told by email about a visit, decided from what they were already
 * told (the visit's emails that went out, src/messages/lifecycle.ts HEARD) and the visit as it
 * is now. Pure: the caller reads the messages and writes what this asks for.
 *
 * - nothing heard yet: the first notice (avis-intervention), planned as usual; a change is
 *   just a new rendering or time of that pending notice, a cancellation cancels it;
 * - the client knows the visit: a change of date, window, site or kind sends a modification
 *   (now), a cancellation sends a cancellation notice (now), anything else sends nothing;
 * - the client knows of its cancellation and it is booked again: a new first notice.
 */

export const NOTICE = 'avis-intervention';
export const MODIFICATION = 'modification-intervention';
export const CANCELLATION = 'annulation-intervention';
export const CANCELLATION_SMS = 'annulation-intervention-sms';
export const NOTICE_TEMPLATES: readonly string[] = [NOTICE, MODIFICATION, CANCELLATION];

/** The fields of a visit its messages say something about. */
export type VisitFields = {
  siteRef: string;
  kind: 'access' | 'service';
  windowStart: string;
  windowEnd: string;
};

export type NoticeWish =
  | { template: typeof NOTICE; data: VisitFields; plan: ReminderPlan }
  | { template: typeof MODIFICATION; data: VisitFields & { previous: VisitFields } }
  | { template: typeof CANCELLATION; data: VisitFields }
  | undefined;

/** The visit as a message described it. */
export function visitFieldsOf(data: Record<string, unknown>): VisitFields {
  return {
    siteRef: String(data.siteRef),
    kind: data.kind === 'service' ? 'service' : 'access',
    windowStart: String(data.windowStart),
    windowEnd: String(data.windowEnd),
  };
}

/** Same visit for the client: same site, kind and window (instants compared, not spellings). */
export function sameVisit(a: VisitFields, b: VisitFields): boolean {
  return (
    a.siteRef === b.siteRef &&
    a.kind === b.kind &&
    Date.parse(a.windowStart) === Date.parse(b.windowStart) &&
    Date.parse(a.windowEnd) === Date.parse(b.windowEnd)
  );
}

/** The last email of the visit the client may have: what they believe of it. */
export function lastHeardNotice(owned: readonly MessageRow[]): MessageRow | undefined {
  return owned.filter((m) => NOTICE_TEMPLATES.includes(m.templateKey) && isHeard(m.status)).at(-1);
}

export function wantedNotice(
  visit: { booked: boolean; fields: VisitFields },
  heard: MessageRow | undefined,
  plan: ReminderPlan | undefined,
): NoticeWish {
  const known = heard && heard.templateKey !== CANCELLATION ? visitFieldsOf(heard.data) : undefined;
  if (!known) return visit.booked && plan ? { template: NOTICE, data: visit.fields, plan } : undefined;
  if (!visit.booked) return { template: CANCELLATION, data: known };
  if (sameVisit(known, visit.fields)) return undefined;
  return { template: MODIFICATION, data: { ...visit.fields, previous: known } };
}
