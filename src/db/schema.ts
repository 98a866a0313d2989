import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * One schema for PostgreSQL and embedded PGlite. Projects are stored as rows (not one JSON
 * document) because statistics and reminders query contacts, sites and milestones directly.
 */

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
};

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    hash: text('hash').notNull(),
    role: text('role', { enum: ['admin', 'integration', 'rac', 'manager'] }).notNull(),
    agency: text('agency').notNull(),
    racId: text('rac_id'),
    // Whether the key may act on the queue dashboard (retry, clean, pause…) rather than only look.
    queueWrite: boolean('queue_write').notNull().default(false),
    createdAt: timestamps.createdAt,
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.hash), uniqueIndex('api_keys_prefix_idx').on(t.prefix)],
);

export const projects = pgTable(
  'projects',
  {
    ref: text('ref').primaryKey(),
    orderNumber: text('order_number').notNull(),
    trackingNumber: text('tracking_number').notNull(),
    label: text('label').notNull(),
    agency: text('agency').notNull(),
    receivedAt: date('received_at', { mode: 'string' }).notNull(),
    racId: text('rac_id').notNull(),
    racFirstName: text('rac_first_name').notNull(),
    racLastName: text('rac_last_name').notNull(),
    racEmail: text('rac_email').notNull(),
    racPhone: text('rac_phone'),
    clientCompany: text('client_company').notNull(),
    offers: jsonb('offers').$type<{ code: string; label: string; profile?: string }[]>().notNull(),
    // Hash of the normalised order: an identical replay is recognised without a diff.
    contentHash: text('content_hash').notNull(),
    version: integer('version').notNull().default(1),
    // Order and tracking numbers, client, label and site cities, lower-cased without accents:
    // what a search of the order list matches (src/projects/search-text.ts writes it). Its
    // trigram index (projects_search_idx) is hand-written in migration 0015: it needs pg_trgm.
    searchText: text('search_text').notNull().default(''),
    // The deadline marks of src/projects/deadlines.ts (deadlineMarks), kept with the milestones:
    // the nearest due date not held yet, a deadline held late, the end of the deployment.
    deadlineNext: date('deadline_next', { mode: 'string' }),
    deadlineMissed: boolean('deadline_missed').notNull().default(false),
    endedOn: date('ended_on', { mode: 'string' }),
    ...timestamps,
  },
  (t) => [
    // The order lists of an agency and of a RAC, newest change first, page after page.
    index('projects_agency_idx').on(t.agency, t.updatedAt, t.ref),
    index('projects_rac_idx').on(t.racId, t.updatedAt, t.ref),
    // The retention purge looks for orders untouched for years; the national list pages by it.
    index('projects_updated_idx').on(t.updatedAt, t.ref),
  ],
);

/** The order a row belongs to; it goes with the order. */
const projectRef = () =>
  text('project_ref')
    .notNull()
    .references(() => projects.ref, { onDelete: 'cascade' });

export const contacts = pgTable(
  'contacts',
  {
    projectRef: projectRef(),
    id: text('id').notNull(),
    position: integer('position').notNull(),
    civility: text('civility'),
    firstName: text('first_name'),
    lastName: text('last_name').notNull(),
    email: text('email'),
    mobile: text('mobile'),
    role: text('role').notNull(),
    // Set when the contact's personal data was erased (on request or by the retention purge).
    erasedAt: timestamp('erased_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [primaryKey({ columns: [t.projectRef, t.id] })],
);

export const sites = pgTable(
  'sites',
  {
    projectRef: projectRef(),
    ref: text('ref').notNull(),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    address: text('address').notNull(),
    postalCode: text('postal_code').notNull(),
    city: text('city').notNull(),
    role: text('role').notNull(),
    contactId: text('contact_id'),
    access: jsonb('access').$type<{ current?: string; target?: string }>(),
  },
  (t) => [primaryKey({ columns: [t.projectRef, t.ref] })],
);

export const milestones = pgTable(
  'milestones',
  {
    projectRef: projectRef(),
    code: text('code').notNull(),
    planned: date('planned', { mode: 'string' }),
    actual: date('actual', { mode: 'string' }),
  },
  (t) => [primaryKey({ columns: [t.projectRef, t.code] })],
);

/** RAC signature profiles, stored once per RAC and reused by every message they sign. */
export const racProfiles = pgTable('rac_profiles', {
  id: text('id').primaryKey(),
  // Who may read and change the profile; null only for a profile older than this column
  // whose RAC had no order to take it from.
  agency: text('agency'),
  displayName: text('display_name').notNull(),
  title: text('title'),
  phone: text('phone'),
  email: text('email'),
  photoUrl: text('photo_url'),
  /** 'f' or 'm': grammatical gender of the few phrases that need one; null: neutral phrasing. */
  gender: text('gender').$type<'f' | 'm'>(),
  ...timestamps,
});

/** The contact history of a project: every action, in order, with who did it. */
export const historyEvents = pgTable(
  'history_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    projectRef: text('project_ref').notNull(),
    type: text('type').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' })
      .notNull()
      .default(sql`now()`),
    actor: text('actor'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('history_project_idx').on(t.projectRef, t.id)],
);

/**
 * The outbox of committed history events: written by the statement that records the event,
 * removed once the follow-ups (automation, and later other subscribers) handled it. A row is
 * leased by setting `available_at` ahead, so a dispatcher that dies gives it back.
 */
export const eventOutbox = pgTable(
  'event_outbox',
  {
    eventId: bigint('event_id', { mode: 'number' }).primaryKey(),
    availableAt: timestamp('available_at', { withTimezone: true, mode: 'date' }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [index('event_outbox_available_idx').on(t.availableAt)],
);

/** Provider reports that arrived before the provider id was stored; applied once it is. */
export const providerReports = pgTable(
  'provider_reports',
  {
    providerId: text('provider_id').notNull(),
    status: text('status').notNull(),
    errorCode: text('error_code'),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.providerId, t.status] })],
);

export const MESSAGE_STATUSES = [
  'draft',
  'scheduled',
  'sending',
  'sent',
  'delivered',
  'failed',
  'bounced',
  'cancelled',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export interface Recipient {
  address: string;
  name?: string;
  contactId?: string;
}

/**
 * A communication and its fate. The rendered content is stored with it: what the history
 * shows is exactly what the client received.
 */
export const messages = pgTable(
  'messages',
  {
    id: text('id').primaryKey(),
    projectRef: projectRef(),
    templateKey: text('template_key').notNull(),
    channel: text('channel', { enum: ['email', 'sms'] }).notNull(),
    status: text('status', { enum: MESSAGE_STATUSES }).notNull(),
    to: jsonb('to').$type<Recipient[]>().notNull(),
    cc: jsonb('cc').$type<Recipient[]>().notNull().default([]),
    replyTo: text('reply_to'),
    blocks: jsonb('blocks').$type<Record<string, string>>().notNull().default({}),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    sendAt: timestamp('send_at', { withTimezone: true, mode: 'date' }).notNull(),
    subject: text('subject'),
    html: text('html'),
    text: text('text'),
    smsBody: text('sms_body'),
    smsEncoding: text('sms_encoding'),
    smsSegments: integer('sms_segments'),
    // The From display name (the RAC) and the files the mail carries (a large order's site list,
    // a visit's calendar invitation), as sent.
    fromName: text('from_name'),
    attachments: jsonb('attachments').$type<{ filename: string; contentType: string; content: string }[]>(),
    calendar: jsonb('calendar').$type<{ method: 'REQUEST' | 'CANCEL'; filename: string; content: string }>(),
    warnings: jsonb('warnings').$type<string[]>().notNull().default([]),
    attempts: integer('attempts').notNull().default(0),
    providerId: text('provider_id'),
    lastError: text('last_error'),
    createdBy: text('created_by').notNull(),
    onBehalfOf: text('on_behalf_of'),
    agency: text('agency').notNull(),
    racId: text('rac_id').notNull(),
    // Set when an automation (reminder, milestone) owns the message, so it can move or cancel it.
    interventionId: text('intervention_id'),
    // The message this one follows up (a survey reminder follows its closure mail).
    parentId: text('parent_id'),
    origin: text('origin').notNull().default('api'),
    ...timestamps,
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
    failedAt: timestamp('failed_at', { withTimezone: true, mode: 'date' }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true, mode: 'date' }),
    // Set when the retention purge removed the content and recipients; status and counts stay.
    purgedAt: timestamp('purged_at', { withTimezone: true, mode: 'date' }),
    // Grows with every change, so that a reader can say "as I last saw it" (If-Match).
    revision: integer('revision').notNull().default(1),
    // The last progress report of the provider (Twilio's queued/sent…), so a replay changes nothing.
    providerStatus: text('provider_status'),
    // Set when an attempt's outcome was lost (the process died between the provider call and
    // its recording): the message is neither sent again blindly nor counted as sent.
    unconfirmedAt: timestamp('unconfirmed_at', { withTimezone: true, mode: 'date' }),
    // The history event an automation created this message from: a follow-up delivered twice
    // prepares it once.
    causeEventId: bigint('cause_event_id', { mode: 'number' }),
    // When the content was last rendered, and from which version of the order: a message not
    // sent yet is rendered again when its order, visit or RAC profile changes.
    renderedAt: timestamp('rendered_at', { withTimezone: true, mode: 'date' }),
    renderedVersion: integer('rendered_version'),
    // Set when the message waits because a recipient is suppressed (an automatic draft, say):
    // which suppression, and whether it was to go without review once lifted.
    hold: jsonb('hold').$type<{ suppressionId: string; reason: string; send: boolean }>(),
  },
  (t) => [
    index('messages_project_idx').on(t.projectRef, t.createdAt),
    uniqueIndex('messages_cause_idx').on(t.causeEventId, t.templateKey),
    index('messages_due_idx').on(t.status, t.sendAt),
    index('messages_provider_idx').on(t.providerId),
    index('messages_intervention_idx').on(t.projectRef, t.interventionId),
    index('messages_parent_idx').on(t.parentId),
    // The work queues: drafts to review and messages that did not reach the client, newest
    // change first (GET /v1/messages?status=draft, ?problem=true).
    index('messages_drafts_idx')
      .on(t.updatedAt, t.id)
      .where(sql`${t.status} = 'draft'`),
    index('messages_problems_idx')
      .on(t.updatedAt, t.id)
      .where(sql`${t.status} in ('failed', 'bounced')`),
    index('messages_updated_idx').on(t.updatedAt, t.id),
  ],
);

/** Responses remembered per caller and Idempotency-Key, so a retried POST creates nothing new. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    keyId: text('key_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    response: jsonb('response').$type<unknown>(),
    createdAt: timestamps.createdAt,
  },
  (t) => [primaryKey({ columns: [t.keyId, t.key] }), index('idempotency_created_idx').on(t.createdAt)],
);

/** A technician visit: a 4-hour arrival window on one site; reminders follow it. */
export const interventions = pgTable(
  'interventions',
  {
    projectRef: projectRef(),
    id: text('id').notNull(),
    siteRef: text('site_ref').notNull(),
    kind: text('kind', { enum: ['access', 'service'] }).notNull(),
    windowStart: timestamp('window_start', { withTimezone: true, mode: 'date' }).notNull(),
    windowEnd: timestamp('window_end', { withTimezone: true, mode: 'date' }).notNull(),
    contactId: text('contact_id').notNull(),
    notes: text('notes'),
    status: text('status', { enum: ['booked', 'cancelled'] })
      .notNull()
      .default('booked'),
    ...timestamps,
    cancelledAt: timestamp('cancelled_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    primaryKey({ columns: [t.projectRef, t.id] }),
    // The agendas (GET /v1/interventions): a range of days, read in window order, page after page.
    index('interventions_window_idx').on(t.windowStart, t.projectRef, t.id),
  ],
);

/** Per-agency choices: reminder timing and which milestone mails are prepared or sent. */
export const agencySettings = pgTable('agency_settings', {
  agency: text('agency').primaryKey(),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull(),
  ...timestamps,
});

/** The message figures kept per day and per finished month or week. */
const counterColumns = () => ({
  drafted: integer('drafted').notNull().default(0),
  scheduled: integer('scheduled').notNull().default(0),
  sent: integer('sent').notNull().default(0),
  delivered: integer('delivered').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  bounced: integer('bounced').notNull().default(0),
  cancelled: integer('cancelled').notNull().default(0),
  smsSegments: integer('sms_segments').notNull().default(0),
});

/**
 * Message figures per day (Europe/Paris), agency, RAC and template: one counter per event type,
 * incremented by the statement that records the event (src/stats/aggregates.ts), so they
 * commit or roll back with it and statistics never scan messages or history. Counts outlive
 * the retention purge and erasures, which remove contents, not events.
 */
export const usageDaily = pgTable(
  'usage_daily',
  {
    day: date('day', { mode: 'string' }).notNull(),
    agency: text('agency').notNull(),
    racId: text('rac_id').notNull(),
    template: text('template').notNull(),
    channel: text('channel').notNull(),
    ...counterColumns(),
    // Actions of a person or an order tool (not of Jalon itself): the adoption measure.
    senderActions: integer('sender_actions').notNull().default(0),
    // Spreads one busy counter (a bulk send of one template for one RAC) over 16 rows, chosen
    // by message id, so concurrent sends do not queue on one row lock. Reads sum the shards.
    shard: smallint('shard').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.agency, t.racId, t.template, t.channel, t.shard] }),
    index('usage_daily_agency_idx').on(t.agency, t.day),
  ],
);

/** One row per order with what its deadline and welcome-mail figures need, kept by recordEvent. */
export const projectStats = pgTable(
  'project_stats',
  {
    projectRef: text('project_ref')
      .primaryKey()
      .references(() => projects.ref, { onDelete: 'cascade' }),
    agency: text('agency').notNull(),
    racId: text('rac_id').notNull(),
    receivedAt: date('received_at', { mode: 'string' }).notNull(),
    rlpActual: date('rlp_actual', { mode: 'string' }),
    rleActual: date('rle_actual', { mode: 'string' }),
    // The day (Europe/Paris) the first accusé de réception went out.
    ackDate: date('ack_date', { mode: 'string' }),
  },
  (t) => [
    index('project_stats_agency_idx').on(t.agency, t.receivedAt),
    index('project_stats_received_idx').on(t.receivedAt),
  ],
);

/**
 * Month and week totals of usage_daily, written the first time a report needs a bucket that is
 * over. Events are counted on the day they are recorded, so a past day never changes again and
 * its bucket can be summed once; the current ones are always read from usage_daily.
 */
export const usageRollups = pgTable(
  'usage_rollups',
  {
    // By template and channel (month, week), or per RAC only (month-rac, week-rac).
    grain: text('grain', { enum: ['month', 'week', 'month-rac', 'week-rac'] }).notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    agency: text('agency').notNull(),
    racId: text('rac_id').notNull(),
    template: text('template').notNull(),
    channel: text('channel').notNull(),
    ...counterColumns(),
    senderActions: integer('sender_actions').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.grain, t.day, t.agency, t.racId, t.template, t.channel] }),
    index('usage_rollups_agency_idx').on(t.grain, t.agency, t.day),
  ],
);

/** Which buckets usage_rollups holds (a bucket without any message has no row there). */
export const usageRollupBuckets = pgTable(
  'usage_rollup_buckets',
  {
    grain: text('grain', { enum: ['month', 'week'] }).notNull(),
    day: date('day', { mode: 'string' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.grain, t.day] })],
);

/** People who sign in (RACs, planners, managers, admins); keys are for order tools. */
export const USER_ROLES = ['admin', 'manager', 'rac', 'planner'] as const;

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    // Stored lower-cased, so that uniqueness and sign-in ignore case.
    email: text('email').notNull(),
    displayName: text('display_name').notNull(),
    role: text('role', { enum: USER_ROLES }).notNull(),
    agency: text('agency').notNull(),
    racId: text('rac_id'),
    deactivatedAt: timestamp('deactivated_at', { withTimezone: true, mode: 'date' }),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true, mode: 'date' }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_email_idx').on(t.email),
    // A RAC and the person signing in as that RAC are one: one active user per RAC id.
    uniqueIndex('users_rac_idx')
      .on(t.racId)
      .where(sql`${t.racId} is not null and ${t.deactivatedAt} is null`),
    index('users_agency_idx').on(t.agency),
  ],
);

const userRef = () =>
  text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' });

/** A signed-in browser. Only the hash of its cookie is kept. */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    userId: userRef(),
    method: text('method', { enum: ['link', 'oidc'] }).notNull(),
    userAgent: text('user_agent'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('sessions_token_idx').on(t.tokenHash), index('sessions_user_idx').on(t.userId)],
);

/** One-time sign-in links sent by email; only the hash of the token is kept. */
export const signInLinks = pgTable(
  'sign_in_links',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: userRef(),
    next: text('next'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('sign_in_links_user_idx').on(t.userId)],
);

/**
 * Where order tools want to hear about what happens (Standard Webhooks). The secret signs every
 * delivery, so it is kept as is; it is shown to the caller once, when the endpoint is created.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    url: text('url').notNull(),
    description: text('description'),
    // Event types or families (`message.*`) the endpoint subscribes to.
    events: jsonb('events').$type<string[]>().notNull(),
    // The agency whose events it receives, or `*` for all: never more than its creator may read.
    agency: text('agency').notNull(),
    secret: text('secret').notNull(),
    // An operator mailbox told when the endpoint is disabled for failing.
    alertEmail: text('alert_email'),
    createdBy: text('created_by').notNull(),
    ...timestamps,
    // Since when every attempt failed; cleared by the next success.
    failingSince: timestamp('failing_since', { withTimezone: true, mode: 'date' }),
    disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
    disabledReason: text('disabled_reason'),
  },
  (t) => [index('webhook_endpoints_agency_idx').on(t.agency)],
);

/** One event for one endpoint, with the outcome of its latest attempt: the delivery log. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    // The `webhook-id` header: the same on every retry, so a receiver can drop duplicates.
    id: text('id').primaryKey(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    // The history event it announces; null for a test event.
    eventId: bigint('event_id', { mode: 'number' }),
    type: text('type').notNull(),
    // The body as signed and sent: ids and statuses only.
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: ['pending', 'succeeded', 'failed', 'skipped'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    responseStatus: integer('response_status'),
    lastError: text('last_error'),
    durationMs: integer('duration_ms'),
    createdAt: timestamps.createdAt,
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, mode: 'date' }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_idx').on(t.endpointId, t.eventId),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt),
    index('webhook_deliveries_status_idx').on(t.status, t.createdAt),
  ],
);

/**
 * Returned mail as received (by the bounce listener or the bounce mailbox), one row each, with
 * what was made of it. An unrecognised one keeps its text (size-limited at the door) so that an
 * operator can see what kind of report the parser misses.
 */
export const bounceReports = pgTable(
  'bounce_reports',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull(),
    source: text('source', { enum: ['smtp', 'imap'] }).notNull(),
    kind: text('kind', { enum: ['hard', 'soft', 'delayed', 'complaint', 'unknown'] }).notNull(),
    // SHA-256 of the mail as received: the same mail taken twice (a sender retrying, a
    // mailbox read again after a crash) is recognised and has one effect.
    digest: text('digest'),
    // The message it is about, when a signed return path told it.
    messageId: text('message_id'),
    // Per recipient: the address, verdict, status and the remote server's words.
    recipients: jsonb('recipients')
      .$type<{ recipient: string | null; verdict: string; status: string; diagnostic: string | null }[]>()
      .notNull()
      .default([]),
    raw: text('raw'),
  },
  (t) => [
    index('bounce_reports_received_idx').on(t.receivedAt),
    index('bounce_reports_message_idx').on(t.messageId),
    uniqueIndex('bounce_reports_digest_idx').on(t.digest),
  ],
);

export const SUPPRESSION_REASONS = [
  'hard_bounce',
  'soft_bounces',
  'complaint',
  'sms_unsubscribed',
  'sms_undelivered',
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/**
 * Addresses and numbers Jalon no longer writes to, and why. One active entry per address at a
 * time; a lifted or expired one stays as the record of what happened. The agency is the one of
 * the order whose message revealed the problem: its managers may list and lift the entry.
 */
export const suppressions = pgTable(
  'suppressions',
  {
    id: text('id').primaryKey(),
    channel: text('channel', { enum: ['email', 'sms'] }).notNull(),
    // An email address lower-cased, or a number in E.164.
    address: text('address').notNull(),
    reason: text('reason', { enum: SUPPRESSION_REASONS }).notNull(),
    // The remote status (5.1.1, Twilio 21610) and the server's words, without the address.
    detail: text('detail'),
    messageId: text('message_id'),
    projectRef: text('project_ref'),
    agency: text('agency').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    // Null: until lifted (a complaint).
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    liftedAt: timestamp('lifted_at', { withTimezone: true, mode: 'date' }),
    liftedBy: text('lifted_by'),
  },
  (t) => [
    uniqueIndex('suppressions_active_idx')
      .on(t.channel, t.address)
      .where(sql`${t.liftedAt} is null`),
    index('suppressions_agency_idx').on(t.agency, t.createdAt),
  ],
);

/**
 * A satisfaction survey: one per order and contact, counted from the first survey mail that
 * went to them, with its answer. The client may change the answer until the link expires;
 * the row holds the latest, so figures never count one client twice.
 */
export const surveys = pgTable(
  'surveys',
  {
    projectRef: projectRef(),
    contactId: text('contact_id').notNull(),
    // The order's agency and RAC when the survey went out: what the figures are grouped by.
    agency: text('agency').notNull(),
    racId: text('rac_id').notNull(),
    messageId: text('message_id').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }).notNull(),
    // The day (Europe/Paris) it went out: the month and week the figures put it in.
    sentDay: date('sent_day', { mode: 'string' }).notNull(),
    rating: smallint('rating'),
    comment: text('comment'),
    answeredAt: timestamp('answered_at', { withTimezone: true, mode: 'date' }),
    changedAt: timestamp('changed_at', { withTimezone: true, mode: 'date' }),
    // The answer event the RAC was last told about: a follow-up delivered twice mails once.
    alertedEventId: bigint('alerted_event_id', { mode: 'number' }),
  },
  (t) => [primaryKey({ columns: [t.projectRef, t.contactId] }), index('surveys_agency_idx').on(t.agency, t.sentDay)],
);

/** A recipient's own survey link; only the hash of its token is kept. */
export const surveyLinks = pgTable(
  'survey_links',
  {
    tokenHash: text('token_hash').primaryKey(),
    projectRef: projectRef(),
    contactId: text('contact_id').notNull(),
    messageId: text('message_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('survey_links_message_idx').on(t.messageId), index('survey_links_project_idx').on(t.projectRef)],
);

/**
 * The RAC's daily summary of an order's delivery problems: at most one per order and Paris
 * day (the day it is due), whatever the number of problems, workers or restarts. The row is
 * the truth; a queue job only says « look at it now ». `pending` collects problems until
 * `due_at`; a worker claims it (`sending`) before mailing, so that a problem arriving
 * meanwhile goes to the next day's summary instead of being lost.
 */
export const problemDigests = pgTable(
  'problem_digests',
  {
    id: text('id').primaryKey(),
    projectRef: projectRef(),
    // The Paris day the summary goes out on.
    day: date('day', { mode: 'string' }).notNull(),
    status: text('status', { enum: ['pending', 'sending', 'sent', 'skipped'] }).notNull(),
    dueAt: timestamp('due_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    claimedAt: timestamp('claimed_at', { withTimezone: true, mode: 'date' }),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('problem_digests_day_idx').on(t.projectRef, t.day),
    // One summary collecting per order: a new problem always knows where it goes.
    uniqueIndex('problem_digests_open_idx')
      .on(t.projectRef)
      .where(sql`${t.status} = 'pending'`),
    index('problem_digests_status_idx').on(t.status, t.dueAt),
  ],
);

/**
 * One problem of a summary, by the history event that revealed it (so a follow-up delivered
 * twice adds it once). Ids and codes only: the address is read from the message when mailing.
 */
export const digestProblems = pgTable(
  'digest_problems',
  {
    eventId: bigint('event_id', { mode: 'number' }).primaryKey(),
    digestId: text('digest_id')
      .notNull()
      .references(() => problemDigests.id, { onDelete: 'cascade' }),
    messageId: text('message_id').notNull(),
    // The contact concerned, when the event names one; otherwise the message's main recipient.
    contactId: text('contact_id'),
    suppressionId: text('suppression_id'),
    // What went wrong, as a code (src/digests/reasons.ts words it), and the remote status.
    reason: text('reason').notNull(),
    remoteStatus: text('remote_status'),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('digest_problems_digest_idx').on(t.digestId)],
);
