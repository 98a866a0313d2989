import type { CommittedEvent } from '../history/followups.js';

/**
 * What order tools may subscribe to, and how a committed history event becomes one. The body
 * carries ids and statuses only: no names, addresses, numbers or contents, so that a receiver
 * learns nothing its agency scope could not already read from the API.
 */

/** History event → public event type. Internal steps (edits, claims, retries) are not announced. */
const PUBLIC_TYPE: Readonly<Record<string, string>> = {
  'message.drafted': 'message.drafted',
  'message.scheduled': 'message.scheduled',
  'message.sent': 'message.sent',
  'message.delivered': 'message.delivered',
  'message.failed': 'message.failed',
  // A provider's later report that the SMS did not arrive: failed, as the message's status says.
  'message.undelivered': 'message.failed',
  'message.bounced': 'message.bounced',
  'message.cancelled': 'message.cancelled',
  // Not worth sending any more (a reminder once the visit started): cancelled, as its status says.
  'message.skipped': 'message.cancelled',
  'intervention.booked': 'intervention.booked',
  'intervention.moved': 'intervention.moved',
  'intervention.updated': 'intervention.updated',
  'intervention.cancelled': 'intervention.cancelled',
  'project.created': 'project.created',
  'project.updated': 'project.updated',
  'milestones.updated': 'project.milestones_updated',
  'sites.imported': 'project.sites_imported',
  'project.deadline_missed': 'project.deadline_missed',
  'survey.answered': 'survey.answered',
};

/** The history events the webhook follow-up listens to. */
export const SOURCE_EVENTS = Object.keys(PUBLIC_TYPE);
/** Every public event type, in catalogue order. */
export const EVENT_TYPES = [...new Set(Object.values(PUBLIC_TYPE))];
/** The test event of « send a test event »: delivered to the one endpoint whatever it subscribes to. */
export const TEST_EVENT = 'webhook.test';

const FAMILIES = [...new Set(EVENT_TYPES.map((type) => `${type.split('.')[0]}.*`))];
/** What `events` may list: a type, a family (`message.*`) or `*`. */
export const EVENT_PATTERNS = ['*', ...FAMILIES, ...EVENT_TYPES];

export function subscribes(patterns: readonly string[], type: string): boolean {
  return patterns.some(
    (pattern) =>
      pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))),
  );
}

/** Only these keys of an event's data go out, and only with a value of the expected kind. */
const ID_FIELDS = [
  'messageId',
  'template',
  'channel',
  'status',
  'interventionId',
  'siteRef',
  'kind',
  'milestone',
  'due',
];
const LIST_FIELDS = ['changes', 'milestonesSet', 'milestonesCleared'];

export interface WebhookEvent {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** The public event of a committed history event, or undefined when it announces nothing. */
export function toWebhookEvent(event: CommittedEvent): WebhookEvent | undefined {
  const type = PUBLIC_TYPE[event.type];
  if (!type) return undefined;
  const data: Record<string, unknown> = { projectRef: event.projectRef };
  for (const key of ID_FIELDS) {
    const value = event.data[key];
    if (typeof value === 'string' && value.length <= 200) data[key] = value;
  }
  for (const key of LIST_FIELDS) {
    const value = event.data[key];
    if (Array.isArray(value)) data[key] = value.filter((item): item is string => typeof item === 'string');
  }
  // A survey answer says which contact answered and what, never the comment (free text).
  if (event.type === 'survey.answered') {
    if (typeof event.data.contactId === 'string') data.contactId = event.data.contactId;
    if (typeof event.data.rating === 'number') data.rating = event.data.rating;
  }
  if (event.type === 'intervention.cancelled') data.status = 'cancelled';
  else if (type.startsWith('intervention.')) data.status = 'booked';
  return { type, timestamp: event.at.toISOString(), data };
}
