import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { asc, type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { DateTime } from 'luxon';
import {
  agencySettings,
  interventions,
  messages,
  racProfiles,
  suppressions,
  surveys,
  webhookDeliveries,
  webhookEndpoints,
} from '../../src/db/schema.js';
import type { Caller, KeyInput } from '../../src/keys/service.js';
import { loadProject } from '../../src/projects/repository.js';
import { openDatabase } from '../../src/db/client.js';
import { addSuppression } from '../../src/suppressions/store.js';
import { type Backend, BACKENDS, createTestDatabase } from '../helpers/db.js';
import { asPerson, createPerson, sessionOf } from '../helpers/people.js';
import type { UserInput } from '../../src/people/users.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { loadFixture } from '../helpers/fixtures.js';

/**
 * Who may do what: every /v1 route against every kind of key. The project belongs to agency
 * AERM and its RAC is `rac-roux`; rac-laurent is another RAC of the same agency.
 */

const PROJECT = loadFixture('CMD-2026-000101');
const URL = `/v1/projects/${PROJECT.orderNumber}`;
const KEY_PATTERN = /^jln_[A-Za-z0-9]{8}_[A-Za-z0-9]{40}$/;
const NO_MESSAGE = '00000000-0000-4000-8000-000000000000';

const KEYS = {
  adminAll: { name: 'admin national', role: 'admin', agency: '*' },
  adminAERM: { name: 'admin AERM', role: 'admin', agency: 'AERM' },
  integrationAERM: { name: 'integration AERM', role: 'integration', agency: 'AERM' },
  integrationIDF: { name: 'integration IDF', role: 'integration', agency: 'IDF' },
  racOwn: { name: 'rac roux', role: 'rac', agency: 'AERM', racId: PROJECT.rac.id },
  racOther: { name: 'rac laurent', role: 'rac', agency: 'AERM', racId: 'rac-laurent' },
  racOwnIdOtherAgency: { name: 'rac roux IDF', role: 'rac', agency: 'IDF', racId: PROJECT.rac.id },
  managerAERM: { name: 'manager AERM', role: 'manager', agency: 'AERM' },
  managerIDF: { name: 'manager IDF', role: 'manager', agency: 'IDF' },
} satisfies Record<string, KeyInput>;
type KeyName = keyof typeof KEYS;
const KEY_NAMES = Object.keys(KEYS) as KeyName[];

const CSV =
  'Référence;Nom;Adresse;Code postal;Ville;Rôle;Contact\n' +
  'SU1010001;Siège Montpellier;104 avenue Jean Jaurès;34000;Montpellier;principal;ct-1\n';

/** The service itself (no HTTP, so no rate limit), acting as the national admin. */
interface Setup {
  t: TestApp;
  admin: Caller;
}

interface Route {
  name: string;
  /**
   * Makes what the request acts on (a fresh draft, visit or key) before the state is read, so
   * that each cell has its own subject and no cell sees another's side effects. Returns its id.
   */
  prepare?(setup: Setup): Promise<string>;
  /** Sends the request; `subject` is what `prepare` returned. */
  send(t: TestApp, key: string, subject: string): Promise<LightMyRequestResponse>;
  /** Expected status per key; a key not listed gets 403. */
  allowed: Partial<Record<KeyName, number>>;
}

let sequence = 0;
const freshId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++sequence}`;

/** A draft on the order, made by the service so that it costs no request of any key. */
const draft = async ({ t, admin }: Setup) =>
  (await t.deps.messages.create({ projectRef: PROJECT.orderNumber, template: 'relance-bilan', draft: true }, admin)).id;

// A visit a month ahead, on a weekday morning: always in the future, whatever the date of the run.
const VISIT_DAY = DateTime.now()
  .setZone('Europe/Paris')
  .plus({ days: 30 })
  .set({ weekday: 2, hour: 8 })
  .startOf('hour');
const VISIT = {
  siteRef: PROJECT.sites[0]?.ref ?? 'missing',
  kind: 'access' as const,
  windowStart: VISIT_DAY.toISO() ?? '',
  windowEnd: VISIT_DAY.plus({ hours: 4 }).toISO() ?? '',
};

/** The visit list's filter for VISIT's day (Europe/Paris). */
const VISIT_DAYS = `from=${VISIT_DAY.toISODate() ?? ''}&to=${VISIT_DAY.toISODate() ?? ''}`;
/** A visit of the order on VISIT's day, booked by the service (no request of any key). */
const bookedVisit = async ({ t, admin }: { t: TestApp; admin: Caller }) => {
  const id = freshId('visit');
  await t.deps.interventions.put(PROJECT.orderNumber, id, VISIT, admin);
  return id;
};

/** An answered survey of the order, stored by the service (no request of any key). */
const answered = async ({ t }: Setup) => {
  const contactId = freshId('ct');
  const at = new Date();
  await t.deps.db.insert(surveys).values({
    projectRef: PROJECT.orderNumber,
    contactId,
    agency: PROJECT.agency,
    racId: PROJECT.rac.id,
    messageId: NO_MESSAGE,
    sentAt: at,
    sentDay: DateTime.fromJSDate(at, { zone: 'Europe/Paris' }).toISODate() ?? '',
    rating: 4,
    answeredAt: at,
    changedAt: at,
  });
  return `${PROJECT.orderNumber}/${contactId}`;
};

const HOOK_URL = 'https://203.0.113.10/jalon-events';
/** A webhook endpoint of the agency, registered by the service (no request of any key). */
const hook =
  (agency: string) =>
  async ({ t, admin }: Setup) =>
    (await t.deps.webhooks.create({ url: HOOK_URL, events: ['message.*'], agency }, admin)).endpoint.id;

/** A suppressed address revealed by a message of the order (agency AERM), added by the service. */
const suppressed = async ({ t }: Setup) => {
  const row = await addSuppression(
    t.deps.db,
    {
      channel: 'email',
      address: `${freshId('perdu')}@client.example`,
      reason: 'hard_bounce',
      detail: '5.1.1',
      messageId: NO_MESSAGE,
      projectRef: PROJECT.orderNumber,
      agency: PROJECT.agency,
      expiresAt: null,
    },
    t.deps.now(),
  );
  return row!.id;
};

/**
 * A list answers 200 to every caller with what it may see. A cell reads as the answer a
 * request for that one subject would have got: 200 when the list shows it, 403 when not.
 */
async function listed(response: LightMyRequestResponse, id: string): Promise<LightMyRequestResponse> {
  if (response.statusCode !== 200) return response;
  const items = (response.json() as { items: { id?: string; ref?: string }[] }).items;
  if (items.some((item) => (item.id ?? item.ref) === id)) return response;
  return Object.assign(Object.create(response) as typeof response, {
    statusCode: 403,
    json: () => ({ error: { code: 'forbidden', message: `${id} is not in the list` } }),
  });
}

const SENDERS = { adminAll: 200, adminAERM: 200, integrationAERM: 200, racOwn: 200 } as const;
/** Any key that may read the order: its agency (or all), and for a RAC key its own orders. */
const READERS = { ...SENDERS, managerAERM: 200 } as const;
const EVERY_KEY = Object.fromEntries(KEY_NAMES.map((name) => [name, 200])) as Record<KeyName, number>;
/** `rac=me` from a key bound to no RAC: 400 naming the filter. */
const ACTS_FOR_NO_RAC = Object.fromEntries(KEY_NAMES.map((name) => [name, 400])) as Record<KeyName, number>;

const ROUTES: Route[] = [
  {
    name: 'PUT /v1/projects/{ref}',
    send: (t, key) => t.request(key, { method: 'PUT', url: URL, payload: PROJECT }),
    allowed: { adminAll: 200, adminAERM: 200, integrationAERM: 200 },
  },
  {
    name: 'GET /v1/projects/{ref}',
    send: (t, key) => t.request(key, { method: 'GET', url: URL }),
    allowed: { adminAll: 200, adminAERM: 200, integrationAERM: 200, racOwn: 200, managerAERM: 200 },
  },
  {
    name: 'PATCH /v1/projects/{ref}/milestones',
    send: (t, key) =>
      t.request(key, {
        method: 'PATCH',
        url: `${URL}/milestones`,
        payload: { clientContact: { actual: '2026-03-03' } },
      }),
    allowed: { adminAll: 200, adminAERM: 200, integrationAERM: 200, racOwn: 200 },
  },
  {
    name: 'POST /v1/projects/{ref}/sites/import',
    send: (t, key) =>
      t.request(key, {
        method: 'POST',
        url: `${URL}/sites/import`,
        payload: CSV,
        headers: { 'content-type': 'text/csv' },
      }),
    allowed: { adminAll: 200, adminAERM: 200, integrationAERM: 200, racOwn: 200 },
  },
  {
    name: 'POST /v1/keys (agency AERM)',
    send: (t, key) =>
      t.request(key, { method: 'POST', url: '/v1/keys', payload: { name: 'new', role: 'manager', agency: 'AERM' } }),
    allowed: { adminAll: 201, adminAERM: 201 },
  },
  {
    name: 'POST /v1/keys (agency IDF)',
    send: (t, key) =>
      t.request(key, { method: 'POST', url: '/v1/keys', payload: { name: 'new', role: 'manager', agency: 'IDF' } }),
    allowed: { adminAll: 201 },
  },
  {
    name: 'GET /v1/keys',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/keys' }),
    allowed: { adminAll: 200, adminAERM: 200 },
  },
  {
    name: 'DELETE /v1/keys/{id} (key of AERM)',
    prepare: async ({ t }) => (await t.deps.keys.create({ name: 'target', role: 'manager', agency: 'AERM' })).apiKey.id,
    send: (t, key, id) => t.request(key, { method: 'DELETE', url: `/v1/keys/${id}` }),
    allowed: { adminAll: 200, adminAERM: 200 },
  },
  {
    name: 'DELETE /v1/keys/{id} (key of IDF)',
    prepare: async ({ t }) => (await t.deps.keys.create({ name: 'target', role: 'manager', agency: 'IDF' })).apiKey.id,
    send: (t, key, id) => t.request(key, { method: 'DELETE', url: `/v1/keys/${id}` }),
    allowed: { adminAll: 200 },
  },
  // Messages (routes/messages.ts): senders act within the order's scope; reading needs the scope only.
  {
    name: 'POST /v1/messages',
    send: (t, key) =>
      t.request(key, {
        method: 'POST',
        url: '/v1/messages',
        payload: { projectRef: PROJECT.orderNumber, template: 'relance-bilan', draft: true },
      }),
    allowed: { adminAll: 201, adminAERM: 201, integrationAERM: 201, racOwn: 201 },
  },
  {
    name: 'GET /v1/messages/{id}',
    prepare: draft,
    send: (t, key, id) => t.request(key, { method: 'GET', url: `/v1/messages/${id}` }),
    allowed: READERS,
  },
  {
    name: 'POST /v1/messages/{id}/send',
    prepare: draft,
    send: (t, key, id) => t.request(key, { method: 'POST', url: `/v1/messages/${id}/send` }),
    allowed: SENDERS,
  },
  {
    name: 'POST /v1/messages/{id}/cancel',
    prepare: draft,
    send: (t, key, id) =>
      t.request(key, { method: 'POST', url: `/v1/messages/${id}/cancel`, payload: { reason: 'matrix' } }),
    allowed: SENDERS,
  },
  {
    name: 'PATCH /v1/messages/{id}',
    prepare: draft,
    send: (t, key, id) =>
      t.request(key, {
        method: 'PATCH',
        url: `/v1/messages/${id}`,
        payload: { blocks: { personalMessage: 'Ravi de travailler avec vous.' } },
      }),
    allowed: SENDERS,
  },
  {
    // One result per message: a message out of the key's scope is refused inside the answer,
    // so the cell reads that message's own status.
    name: 'POST /v1/messages/bulk',
    prepare: draft,
    send: async (t, key, id) => {
      const response = await t.request(key, {
        method: 'POST',
        url: '/v1/messages/bulk',
        payload: { action: 'send', items: [{ id, revision: 1 }] },
      });
      const refused = response.statusCode === 200 ? response.json().results[0]?.error : undefined;
      if (!refused) return response;
      // Read as the answer a request for that message alone would have got.
      return Object.assign(Object.create(response) as typeof response, {
        statusCode: refused.status,
        json: () => ({ error: refused }),
      });
    },
    allowed: SENDERS,
  },
  {
    name: 'POST /v1/messages/{id}/resend',
    // A message whose last attempt's outcome was lost, as a crashed worker leaves it.
    prepare: async (setup) => {
      const id = await draft(setup);
      await setup.t.deps.db.execute(
        sql`update messages set status = 'sending', unconfirmed_at = now() where id = ${id}`,
      );
      return id;
    },
    send: (t, key, id) => t.request(key, { method: 'POST', url: `/v1/messages/${id}/resend` }),
    allowed: SENDERS,
  },
  {
    // DESIGN.md §7 says "all senders"; the route checks the order's scope only, so a manager of
    // the agency may preview too (it stores nothing and shows nothing the manager cannot read).
    name: 'POST /v1/messages/preview',
    send: (t, key) =>
      t.request(key, {
        method: 'POST',
        url: '/v1/messages/preview',
        payload: { projectRef: PROJECT.orderNumber, template: 'accuse-reception' },
      }),
    allowed: READERS,
  },
  // Who am I (routes/sessions.ts): every key reads its own role and scope, and nothing else's.
  {
    name: 'GET /v1/me',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/me' }),
    allowed: EVERY_KEY,
  },
  // Templates (routes/templates.ts): the catalogue is the same for everyone.
  {
    name: 'GET /v1/templates',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/templates' }),
    allowed: EVERY_KEY,
  },
  {
    name: 'GET /v1/templates/{key}',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/templates/cloture' }),
    allowed: EVERY_KEY,
  },
  {
    name: 'POST /v1/templates/{key}/preview',
    send: (t, key) =>
      t.request(key, {
        method: 'POST',
        url: '/v1/templates/rappel-intervention/preview',
        payload: { data: { kind: 'service' } },
      }),
    allowed: EVERY_KEY,
  },
  // RAC profiles (routes/racs.ts): a profile belongs to an agency. A RAC key reads and sets its
  // own only; other keys those of their agency, a national key any.
  {
    name: 'PUT /v1/racs/{id} (RAC of the order)',
    send: (t, key) =>
      t.request(key, {
        method: 'PUT',
        url: `/v1/racs/${PROJECT.rac.id}`,
        payload: { displayName: 'Baptiste Roux', title: 'Chef de projet Entreprises', phone: '06 39 98 01 04' },
      }),
    allowed: { adminAll: 200, adminAERM: 200, integrationAERM: 200, racOwn: 200 },
  },
  {
    name: 'PUT /v1/racs/{id} (another RAC of the agency)',
    send: (t, key) =>
      t.request(key, { method: 'PUT', url: '/v1/racs/rac-laurent', payload: { displayName: 'Lucie Laurent' } }),
    allowed: { adminAll: 200, adminAERM: 200, integrationAERM: 200, racOther: 200 },
  },
  {
    name: 'PUT /v1/racs/{id} (moved to another agency)',
    prepare: async ({ t, admin }) =>
      (await t.deps.racs.put(freshId('rac'), { displayName: 'Nouveau', agency: 'AERM' }, admin)).id,
    send: (t, key, id) =>
      t.request(key, { method: 'PUT', url: `/v1/racs/${id}`, payload: { displayName: 'Nouveau', agency: 'IDF' } }),
    // Moving a profile needs a key that covers both agencies.
    allowed: { adminAll: 200 },
  },
  {
    name: 'PUT /v1/racs/{id} (new RAC, agency not given)',
    prepare: async () => freshId('rac'),
    send: (t, key, id) => t.request(key, { method: 'PUT', url: `/v1/racs/${id}`, payload: { displayName: 'Nouveau' } }),
    // A scoped key creates it in its own agency; a national key has none to give.
    allowed: { adminAll: 400, adminAERM: 200, integrationAERM: 200, integrationIDF: 200 },
  },
  {
    name: 'PUT /v1/racs/{id} (new RAC of IDF)',
    prepare: async () => freshId('rac'),
    send: (t, key, id) =>
      t.request(key, { method: 'PUT', url: `/v1/racs/${id}`, payload: { displayName: 'Nouveau', agency: 'IDF' } }),
    allowed: { adminAll: 200, integrationIDF: 200 },
  },
  {
    name: 'GET /v1/racs/{id}',
    send: (t, key) => t.request(key, { method: 'GET', url: `/v1/racs/${PROJECT.rac.id}` }),
    allowed: READERS,
  },
  // The queue dashboard (routes/dashboard.ts, bull-board): the queues carry every agency's
  // messages, so national admin keys only; and none of these keys may act on them.
  {
    name: 'GET /admin/queues/api/queues',
    send: (t, key) => t.request(key, { method: 'GET', url: '/admin/queues/api/queues' }),
    allowed: { adminAll: 200 },
  },
  {
    name: 'PUT /admin/queues/api/queues/{queue}/pause',
    send: (t, key) =>
      t.request(key, { method: 'PUT', url: `/admin/queues/api/queues/${t.deps.producer.queue('email').name}/pause` }),
    allowed: {},
  },
  // Lists (routes/projects.ts, routes/messages.ts, routes/interventions.ts): each caller sees
  // what it may read; a filter outside its reach is refused.
  {
    name: 'GET /v1/projects (the order, searched by its number)',
    send: async (t, key) =>
      listed(
        await t.request(key, { method: 'GET', url: `/v1/projects?q=${PROJECT.orderNumber}` }),
        PROJECT.orderNumber,
      ),
    allowed: READERS,
  },
  {
    name: 'GET /v1/projects (agency=AERM)',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/projects?agency=AERM' }),
    allowed: { ...READERS, racOther: 200 },
  },
  {
    name: 'GET /v1/projects (rac=me)',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/projects?rac=me' }),
    allowed: { ...ACTS_FOR_NO_RAC, racOwn: 200, racOther: 200, racOwnIdOtherAgency: 200 },
  },
  {
    name: 'GET /v1/projects (rac=rac-roux)',
    send: (t, key) => t.request(key, { method: 'GET', url: `/v1/projects?rac=${PROJECT.rac.id}` }),
    allowed: { ...EVERY_KEY, racOther: 403 },
  },
  {
    name: 'GET /v1/messages (a draft of the order)',
    prepare: draft,
    send: async (t, key, id) =>
      listed(
        await t.request(key, {
          method: 'GET',
          url: `/v1/messages?status=draft&projectRef=${PROJECT.orderNumber}&limit=200`,
        }),
        id,
      ),
    allowed: READERS,
  },
  {
    name: 'GET /v1/messages (agency=AERM)',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/messages?agency=AERM' }),
    allowed: { ...READERS, racOther: 200 },
  },
  {
    name: 'GET /v1/messages (status=draft, rac=me)',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/messages?status=draft&rac=me' }),
    allowed: { ...ACTS_FOR_NO_RAC, racOwn: 200, racOther: 200, racOwnIdOtherAgency: 200 },
  },
  {
    name: 'GET /v1/projects/{ref}/interventions',
    send: (t, key) => t.request(key, { method: 'GET', url: `${URL}/interventions` }),
    allowed: READERS,
  },
  {
    name: 'GET /v1/projects/{ref}/interventions/{id}',
    prepare: async ({ t, admin }) => {
      const id = freshId('visit');
      await t.deps.interventions.put(PROJECT.orderNumber, id, VISIT, admin);
      return id;
    },
    send: (t, key, id) => t.request(key, { method: 'GET', url: `${URL}/interventions/${id}` }),
    allowed: READERS,
  },
  {
    name: 'GET /v1/interventions (a visit of the order, on its day)',
    prepare: bookedVisit,
    send: async (t, key, id) =>
      listed(await t.request(key, { method: 'GET', url: `/v1/interventions?${VISIT_DAYS}&limit=200` }), id),
    allowed: READERS,
  },
  {
    name: 'GET /v1/interventions (agency=AERM)',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/interventions?agency=AERM' }),
    allowed: { ...READERS, racOther: 200 },
  },
  {
    name: 'GET /v1/interventions (rac=me)',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/interventions?rac=me' }),
    allowed: { ...ACTS_FOR_NO_RAC, racOwn: 200, racOther: 200, racOwnIdOtherAgency: 200 },
  },
  // One contact or site corrected by hand (routes/projects.ts): the order's senders.
  {
    name: 'PATCH /v1/projects/{ref}/contacts/{id}',
    send: (t, key) =>
      t.request(key, {
        method: 'PATCH',
        url: `${URL}/contacts/${PROJECT.contacts[0]?.id ?? 'ct-1'}`,
        payload: { firstName: 'Jeanne' },
      }),
    allowed: SENDERS,
  },
  {
    name: 'PATCH /v1/projects/{ref}/sites/{siteRef}',
    send: (t, key) =>
      t.request(key, {
        method: 'PATCH',
        url: `${URL}/sites/${PROJECT.sites[0]?.ref ?? 'missing'}`,
        payload: { name: 'Siège' },
      }),
    allowed: SENDERS,
  },
  // Interventions (routes/interventions.ts): planners within the order's scope; a fresh visit per cell.
  {
    name: 'PUT /v1/projects/{ref}/interventions/{id}',
    prepare: async () => freshId('visit'),
    send: (t, key, id) => t.request(key, { method: 'PUT', url: `${URL}/interventions/${id}`, payload: VISIT }),
    allowed: { adminAll: 201, adminAERM: 201, integrationAERM: 201, racOwn: 201 },
  },
  {
    name: 'DELETE /v1/projects/{ref}/interventions/{id}',
    prepare: async ({ t, admin }) => {
      const id = freshId('visit');
      await t.deps.interventions.put(PROJECT.orderNumber, id, VISIT, admin);
      return id;
    },
    send: (t, key, id) => t.request(key, { method: 'DELETE', url: `${URL}/interventions/${id}` }),
    allowed: SENDERS,
  },
  // Agency settings (routes/agencies.ts): read by any key of the agency (or `*`), set by its admins.
  {
    name: 'GET /v1/agencies/{agency}/settings (AERM)',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/agencies/AERM/settings' }),
    allowed: { ...READERS, racOther: 200 },
  },
  {
    name: 'GET /v1/agencies/{agency}/settings (IDF)',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/agencies/IDF/settings' }),
    allowed: { adminAll: 200, integrationIDF: 200, racOwnIdOtherAgency: 200, managerIDF: 200 },
  },
  {
    // The defaults, so that an accepted write changes nothing the other cells depend on.
    name: 'PUT /v1/agencies/{agency}/settings (AERM)',
    send: (t, key) => t.request(key, { method: 'PUT', url: '/v1/agencies/AERM/settings', payload: {} }),
    allowed: { adminAll: 200, adminAERM: 200 },
  },
  {
    name: 'PUT /v1/agencies/{agency}/settings (IDF)',
    send: (t, key) => t.request(key, { method: 'PUT', url: '/v1/agencies/IDF/settings', payload: {} }),
    allowed: { adminAll: 200 },
  },
  // Outbound webhooks (routes/webhook-endpoints.ts): admins, within their agency. An endpoint
  // outside a scoped admin's agency is not found rather than forbidden. A documentation address
  // (never routed): nothing here delivers, there is no worker.
  {
    name: 'POST /v1/webhooks (agency AERM)',
    send: (t, key) =>
      t.request(key, {
        method: 'POST',
        url: '/v1/webhooks',
        payload: { url: HOOK_URL, events: ['*'], agency: 'AERM' },
      }),
    allowed: { adminAll: 201, adminAERM: 201 },
  },
  {
    name: 'POST /v1/webhooks (agency IDF)',
    send: (t, key) =>
      t.request(key, { method: 'POST', url: '/v1/webhooks', payload: { url: HOOK_URL, events: ['*'], agency: 'IDF' } }),
    allowed: { adminAll: 201 },
  },
  {
    name: 'GET /v1/webhooks',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/webhooks' }),
    allowed: { adminAll: 200, adminAERM: 200 },
  },
  {
    name: 'GET /v1/webhooks/{id} (endpoint of AERM)',
    prepare: hook('AERM'),
    send: (t, key, id) => t.request(key, { method: 'GET', url: `/v1/webhooks/${id}` }),
    allowed: { adminAll: 200, adminAERM: 200 },
  },
  {
    name: 'GET /v1/webhooks/{id} (endpoint of IDF)',
    prepare: hook('IDF'),
    send: (t, key, id) => t.request(key, { method: 'GET', url: `/v1/webhooks/${id}` }),
    allowed: { adminAll: 200, adminAERM: 404 },
  },
  {
    name: 'PATCH /v1/webhooks/{id} (endpoint of AERM)',
    prepare: hook('AERM'),
    send: (t, key, id) =>
      t.request(key, { method: 'PATCH', url: `/v1/webhooks/${id}`, payload: { description: 'Portail commandes' } }),
    allowed: { adminAll: 200, adminAERM: 200 },
  },
  {
    name: 'DELETE /v1/webhooks/{id} (endpoint of AERM)',
    prepare: hook('AERM'),
    send: (t, key, id) => t.request(key, { method: 'DELETE', url: `/v1/webhooks/${id}` }),
    allowed: { adminAll: 200, adminAERM: 200 },
  },
  {
    name: 'POST /v1/webhooks/{id}/test (endpoint of AERM)',
    prepare: hook('AERM'),
    send: (t, key, id) => t.request(key, { method: 'POST', url: `/v1/webhooks/${id}/test` }),
    allowed: { adminAll: 202, adminAERM: 202 },
  },
  {
    name: 'GET /v1/webhooks/{id}/deliveries (endpoint of AERM)',
    prepare: hook('AERM'),
    send: (t, key, id) => t.request(key, { method: 'GET', url: `/v1/webhooks/${id}/deliveries` }),
    allowed: { adminAll: 200, adminAERM: 200 },
  },
  // Suppressions (routes/suppressions.ts): admins and managers, within the agency of the order
  // whose message revealed the address; one outside a scoped caller's agency is not found.
  {
    name: 'GET /v1/suppressions (a suppression of AERM)',
    prepare: suppressed,
    send: async (t, key, id) => listed(await t.request(key, { method: 'GET', url: '/v1/suppressions?limit=500' }), id),
    allowed: { adminAll: 200, adminAERM: 200, managerAERM: 200 },
  },
  {
    name: 'GET /v1/suppressions (agency=IDF)',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/suppressions?agency=IDF' }),
    allowed: { adminAll: 200, managerIDF: 200 },
  },
  {
    name: 'DELETE /v1/suppressions/{id} (a suppression of AERM)',
    prepare: suppressed,
    send: (t, key, id) => t.request(key, { method: 'DELETE', url: `/v1/suppressions/${id}` }),
    allowed: { adminAll: 200, adminAERM: 200, managerAERM: 200, managerIDF: 404 },
  },
  {
    name: 'GET /v1/surveys (an answer of AERM)',
    prepare: answered,
    send: async (t, key, id) => listed(await t.request(key, { method: 'GET', url: '/v1/surveys' }), id),
    allowed: { adminAll: 200, adminAERM: 200, managerAERM: 200 },
  },
  {
    name: 'GET /v1/surveys (as CSV)',
    send: (t, key) => t.request(key, { method: 'GET', url: '/v1/surveys?format=csv' }),
    allowed: { adminAll: 200, adminAERM: 200, managerAERM: 200, managerIDF: 200 },
  },
];

/**
 * Routes the OpenAPI document lists that this matrix leaves out on purpose. Anything else it
 * lists must have an entry above: a new route without one fails the coverage test.
 */
const NOT_IN_MATRIX: (string | RegExp)[] = [
  // Called by Twilio with a request signature, not an API key (covered by the webhook tests).
  /^[A-Z]+ \/v1\/webhooks\/twilio\//,
  // Being written by another engineer right now, with their own access tests; add them here once settled.
  /^[A-Z]+ \/v1\/stats\//,
  'GET /v1/projects/{ref}/history',
  'POST /v1/projects/{ref}/contacts/{contactId}/erase',
  // People and their sessions: the people matrix below covers them, with sessions as well as keys.
  /^[A-Z]+ \/v1\/(users|sessions)(\/|$)/,
];
const excluded = (route: string) =>
  NOT_IN_MATRIX.some((rule) => (typeof rule === 'string' ? rule === route : rule.test(route)));

const MATRIX = ROUTES.flatMap((route) =>
  KEY_NAMES.map((keyName) => ({
    route: route.name,
    keyName,
    status: route.allowed[keyName] ?? 403,
  })),
);

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

describe('role × agency matrix on postgres', () => {
  let t: TestApp;
  let setup: Setup;
  const secrets = {} as Record<KeyName, string>;
  /** Everything a request could change, read straight from the database (no request, no rate limit). */
  const state = async () => {
    const { db } = t.deps;
    const [counts] = rowsOf<{ keys: number; revoked: number; events: number }>(
      await db.execute(
        sql`select (select count(*)::int from api_keys) as keys, (select count(revoked_at)::int from api_keys) as revoked,
                   (select count(*)::int from history_events) as events`,
      ),
    );
    return {
      counts,
      project: await loadProject(db, PROJECT.orderNumber),
      messages: await db.select().from(messages).orderBy(asc(messages.id)),
      interventions: await db.select().from(interventions).orderBy(asc(interventions.id)),
      settings: await db.select().from(agencySettings).orderBy(asc(agencySettings.agency)),
      racProfiles: await db.select().from(racProfiles).orderBy(asc(racProfiles.id)),
      queuePaused: await t.deps.producer.queue('email').isPaused(),
      webhooks: await db.select().from(webhookEndpoints).orderBy(asc(webhookEndpoints.id)),
      webhookDeliveries: await db.select().from(webhookDeliveries).orderBy(asc(webhookDeliveries.id)),
      suppressions: await db.select().from(suppressions).orderBy(asc(suppressions.id)),
    };
  };

  beforeAll(async () => {
    t = await createTestApp('postgres');
    const created = await t.request(t.adminKey, { method: 'PUT', url: URL, payload: PROJECT });
    expect(created.statusCode, created.body).toBe(201);
    for (const name of KEY_NAMES) secrets[name] = await t.key(KEYS[name]);
    const admin = await t.deps.keys.authenticate(t.adminKey);
    if (!admin) throw new Error('the test admin key does not authenticate');
    setup = { t, admin };
    // Two profiles of agency AERM: the order's RAC and another RAC of the agency.
    for (const [id, displayName] of [
      [PROJECT.rac.id, 'Baptiste Roux'],
      ['rac-laurent', 'Lucie Laurent'],
    ] as const) {
      await t.deps.racs.put(id, { displayName, agency: 'AERM' }, admin);
    }
  });
  afterAll(async () => t?.close());

  it('covers every /v1 route of the OpenAPI document with every kind of key', async () => {
    // The dashboard's routes are bull-board's own, outside the OpenAPI document.
    const routes = new Set(
      ROUTES.map((r) => r.name.replace(/ \(.*\)$/, '')).filter((name) => !name.includes(' /admin/queues/')),
    );
    // The OpenAPI document lists what the application really serves.
    const docs = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    const { paths = {} } = docs.json() as { paths?: Record<string, Record<string, unknown>> };
    const served = Object.entries(paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(served.length).toBeGreaterThan(routes.size);
    // Every matrix entry is a real route, and every real route has an entry (or a stated exclusion).
    for (const route of routes) expect(served, `${route} is not served`).toContain(route);
    const missing = served.filter((route) => !routes.has(route) && !excluded(route));
    expect(missing, 'routes without an entry in the role × agency matrix').toEqual([]);
    for (const route of routes) expect(excluded(route), `${route} is both tested and excluded`).toBe(false);
    expect(MATRIX.length).toBe(ROUTES.length * KEY_NAMES.length);
  });

  it.each(MATRIX)('$route with $keyName → $status', async ({ route: routeName, keyName, status }) => {
    const route = ROUTES.find((r) => r.name === routeName);
    if (!route) throw new Error(`no route ${routeName}`);
    const subject = route.prepare ? await route.prepare(setup) : '';
    const before = status === 403 ? await state() : undefined;

    const response = await route.send(t, secrets[keyName], subject);
    expect(response.statusCode, response.body).toBe(status);

    if (before) {
      const { error } = response.json() as { error: { code: string; message: string } };
      expect(error.code).toBe('forbidden');
      // A refused request changes nothing: not the order, its messages, visits, history, keys,
      // agency settings or RAC profiles.
      expect(await state()).toEqual(before);
    }
  });

  it('a national key creating a RAC profile must name its agency: 400 naming body.agency, nothing stored', async () => {
    const before = await state();
    const response = await t.request(secrets.adminAll, {
      method: 'PUT',
      url: '/v1/racs/rac-nouveau',
      payload: { displayName: 'Nouveau' },
    });
    expect(response.statusCode, response.body).toBe(400);
    const { error } = response.json() as { error: { message: string; details: { path: string }[] } };
    expect(error.details.map((d) => d.path)).toEqual(['body.agency']);
    expect(error.message).toMatch(/^body\.agency: required/);
    expect(await state()).toEqual(before);
    const created = await t.request(secrets.adminAll, {
      method: 'PUT',
      url: '/v1/racs/rac-nouveau',
      payload: { displayName: 'Nouveau', agency: 'AERM' },
    });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json()).toMatchObject({ id: 'rac-nouveau', agency: 'AERM', displayName: 'Nouveau' });
    // Changing it later keeps its agency without repeating it.
    const renamed = await t.request(secrets.integrationAERM, {
      method: 'PUT',
      url: '/v1/racs/rac-nouveau',
      payload: { displayName: 'Nouveau Nom' },
    });
    expect(renamed.json()).toMatchObject({ agency: 'AERM', displayName: 'Nouveau Nom' });
  });

  it('a profile without an agency is for national keys only, until one gives it an agency', async () => {
    await t.deps.db.insert(racProfiles).values({ id: 'rac-ancien', displayName: 'Ancien' });
    for (const key of [secrets.adminAERM, secrets.integrationAERM, secrets.managerAERM]) {
      expect((await t.request(key, { method: 'GET', url: '/v1/racs/rac-ancien' })).statusCode).toBe(403);
    }
    const write = await t.request(secrets.adminAERM, {
      method: 'PUT',
      url: '/v1/racs/rac-ancien',
      payload: { displayName: 'Pris', agency: 'AERM' },
    });
    expect(write.statusCode).toBe(403);
    expect((await t.request(secrets.adminAll, { method: 'GET', url: '/v1/racs/rac-ancien' })).json()).toMatchObject({
      agency: null,
      displayName: 'Ancien',
    });
    const given = await t.request(secrets.adminAll, {
      method: 'PUT',
      url: '/v1/racs/rac-ancien',
      payload: { displayName: 'Ancien', agency: 'AERM' },
    });
    expect(given.statusCode, given.body).toBe(200);
    expect((await t.request(secrets.adminAERM, { method: 'GET', url: '/v1/racs/rac-ancien' })).statusCode).toBe(200);
  });

  it('a scoped admin lists only the keys of its agency', async () => {
    const response = await t.request(secrets.adminAERM, { method: 'GET', url: '/v1/keys' });
    expect(response.statusCode).toBe(200);
    const { keys } = response.json() as { keys: { agency: string; name: string }[] };
    expect(keys.length).toBeGreaterThan(0);
    expect(new Set(keys.map((k) => k.agency))).toEqual(new Set(['AERM']));
    const all = await t.request(secrets.adminAll, { method: 'GET', url: '/v1/keys' });
    const agencies = new Set((all.json() as { keys: { agency: string }[] }).keys.map((k) => k.agency));
    expect(agencies).toEqual(new Set(['*', 'AERM', 'IDF']));
  });

  it('an integration key of another agency cannot take over an order by sending its own agency', async () => {
    const before = await state();
    const response = await t.request(secrets.integrationIDF, {
      method: 'PUT',
      url: URL,
      payload: { ...PROJECT, agency: 'IDF' },
    });
    expect(response.statusCode).toBe(403);
    expect(await state()).toEqual(before);
  });

  it('an integration key cannot create an order outside its agency', async () => {
    const response = await t.request(secrets.integrationAERM, {
      method: 'PUT',
      url: '/v1/projects/CMD-IDF-1',
      payload: { ...PROJECT, orderNumber: 'CMD-IDF-1', agency: 'IDF' },
    });
    expect(response.statusCode).toBe(403);
    const missing = await t.request(t.adminKey, { method: 'GET', url: '/v1/projects/CMD-IDF-1' });
    expect(missing.statusCode).toBe(404);
  });
});

describe.each(BACKENDS)('authentication on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(backend);
    const created = await t.request(t.adminKey, { method: 'PUT', url: URL, payload: PROJECT });
    expect(created.statusCode, created.body).toBe(201);
  });
  afterAll(async () => t?.close());

  const UNAUTHENTICATED: { name: string; headers: Record<string, string> }[] = [
    { name: 'no Authorization header', headers: {} },
    { name: 'a Basic header', headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } },
    { name: '"Bearer" with no key', headers: { authorization: 'Bearer' } },
    { name: 'a key that is not a Jalon key', headers: { authorization: 'Bearer abc.def.ghi' } },
    {
      name: 'a well-formed key that does not exist',
      headers: { authorization: `Bearer jln_ABCDEFGH_${'x'.repeat(40)}` },
    },
  ];
  const REQUESTS: { method: string; url: string; payload?: unknown; headers?: Record<string, string> }[] = [
    { method: 'PUT', url: URL, payload: PROJECT },
    { method: 'GET', url: URL },
    { method: 'PATCH', url: `${URL}/milestones`, payload: { rle: { actual: '2026-03-14' } } },
    { method: 'POST', url: `${URL}/sites/import`, payload: CSV, headers: { 'content-type': 'text/csv' } },
    { method: 'POST', url: '/v1/keys', payload: { name: 'x', role: 'admin', agency: '*' } },
    { method: 'GET', url: '/v1/keys' },
    { method: 'DELETE', url: '/v1/keys/00000000-0000-0000-0000-000000000000' },
    { method: 'POST', url: '/v1/messages', payload: { projectRef: PROJECT.orderNumber, template: 'cloture' } },
    { method: 'GET', url: `/v1/messages/${NO_MESSAGE}` },
    { method: 'POST', url: `/v1/messages/${NO_MESSAGE}/send` },
    { method: 'POST', url: `/v1/messages/${NO_MESSAGE}/cancel` },
    { method: 'PATCH', url: `/v1/messages/${NO_MESSAGE}`, payload: { blocks: { personalMessage: 'x' } } },
    { method: 'POST', url: '/v1/messages/preview', payload: { projectRef: PROJECT.orderNumber, template: 'cloture' } },
    { method: 'GET', url: '/v1/templates' },
    { method: 'GET', url: '/v1/templates/cloture' },
    { method: 'POST', url: '/v1/templates/cloture/preview', payload: {} },
    { method: 'PUT', url: `/v1/racs/${PROJECT.rac.id}`, payload: { displayName: 'Baptiste Roux' } },
    { method: 'GET', url: `/v1/racs/${PROJECT.rac.id}` },
    { method: 'PUT', url: `${URL}/interventions/visit-401`, payload: VISIT },
    { method: 'DELETE', url: `${URL}/interventions/visit-401` },
    { method: 'GET', url: '/v1/agencies/AERM/settings' },
    { method: 'PUT', url: '/v1/agencies/AERM/settings', payload: {} },
    { method: 'GET', url: '/v1/webhooks' },
    { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://203.0.113.10/x', events: ['*'], agency: '*' } },
    { method: 'POST', url: `/v1/webhooks/${NO_MESSAGE}/test` },
    { method: 'GET', url: `/v1/webhooks/${NO_MESSAGE}/deliveries` },
  ];
  const CELLS = UNAUTHENTICATED.flatMap((auth) =>
    REQUESTS.map((request) => ({ ...request, auth: auth.name, authHeaders: auth.headers })),
  );

  const expect401 = (response: LightMyRequestResponse) => {
    expect(response.statusCode, response.body).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    const { error } = response.json() as { error: { code: string; requestId: string } };
    expect(error.code).toBe('unauthorized');
    expect(error.requestId).toBeTruthy();
  };

  const counts = async () =>
    rowsOf<Record<string, number>>(
      await t.deps.db.execute(
        sql`select (select count(*)::int from api_keys) as keys, (select count(*)::int from messages) as messages,
                   (select count(*)::int from interventions) as interventions,
                   (select count(*)::int from rac_profiles) as profiles,
                   (select count(*)::int from agency_settings) as settings,
                   (select count(*)::int from webhook_endpoints) as webhooks,
                   (select count(*)::int from webhook_deliveries) as deliveries,
                   (select count(*)::int from history_events) as events`,
      ),
    );

  it.each(CELLS)('$method $url with $auth → 401', async ({ authHeaders, method, url, payload, headers }) => {
    const before = await counts();
    const response = await t.app.inject({
      method: method as 'GET',
      url,
      payload: payload as string,
      headers: { ...headers, ...authHeaders },
    });
    expect401(response);
    expect(await counts()).toEqual(before);
  });

  it('a revoked key is refused with 401 on every route', async () => {
    const created = await t.request(t.adminKey, {
      method: 'POST',
      url: '/v1/keys',
      payload: { name: 'soon revoked', role: 'admin', agency: 'AERM' },
    });
    expect(created.statusCode).toBe(201);
    const { key, apiKey } = created.json() as { key: string; apiKey: { id: string } };
    expect((await t.request(key, { method: 'GET', url: URL })).statusCode).toBe(200);

    const revoked = await t.request(t.adminKey, { method: 'DELETE', url: `/v1/keys/${apiKey.id}` });
    expect(revoked.statusCode).toBe(200);
    expect((revoked.json() as { revokedAt: string | null }).revokedAt).toEqual(expect.any(String));

    for (const request of REQUESTS) {
      expect401(await t.request(key, request));
    }
    // The other keys still work.
    expect((await t.request(t.adminKey, { method: 'GET', url: URL })).statusCode).toBe(200);
  });

  it('revokes by visible prefix too, and revoking twice keeps the first date', async () => {
    const key = await t.key({ name: 'by prefix', role: 'integration', agency: 'AERM' });
    const first = await t.request(t.adminKey, { method: 'DELETE', url: `/v1/keys/${key.slice(0, 12)}` });
    expect(first.statusCode, first.body).toBe(200);
    const second = await t.request(t.adminKey, { method: 'DELETE', url: `/v1/keys/${key.slice(0, 12)}` });
    expect((second.json() as { revokedAt: string }).revokedAt).toBe((first.json() as { revokedAt: string }).revokedAt);
    expect401(await t.request(key, { method: 'GET', url: URL }));
    const unknown = await t.request(t.adminKey, { method: 'DELETE', url: '/v1/keys/jln_NOPENOPE' });
    expect(unknown.statusCode).toBe(404);
  });

  describe('keys', () => {
    it('shows the secret once, never lists it, and stores only its hash', async () => {
      const created = await t.request(t.adminKey, {
        method: 'POST',
        url: '/v1/keys',
        payload: { name: 'planning tool', role: 'integration', agency: 'AERM' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const { key, apiKey } = created.json() as { key: string; apiKey: Record<string, unknown> };
      expect(key).toMatch(KEY_PATTERN);
      const prefix = key.slice(0, 12);
      expect(apiKey).toMatchObject({ prefix, role: 'integration', agency: 'AERM', racId: null, revokedAt: null });
      expect(Object.keys(apiKey)).not.toContain('hash');
      expect(JSON.stringify(apiKey)).not.toContain(key);
      // The new key works.
      expect((await t.request(key, { method: 'GET', url: URL })).statusCode).toBe(200);

      const listed = await t.request(t.adminKey, { method: 'GET', url: '/v1/keys' });
      expect(listed.statusCode).toBe(200);
      expect(listed.body).toContain(prefix);
      expect(listed.body).not.toContain(key);
      expect(listed.body).not.toContain(t.adminKey);
      expect(listed.body).not.toContain(key.slice(13));
      for (const view of (listed.json() as { keys: Record<string, unknown>[] }).keys) {
        expect(Object.keys(view).sort()).toEqual(
          [
            'agency',
            'createdAt',
            'id',
            'lastUsedAt',
            'name',
            'prefix',
            'queueWrite',
            'racId',
            'revokedAt',
            'role',
          ].sort(),
        );
      }

      const stored = JSON.stringify(await t.deps.db.execute(sql`select * from api_keys`));
      expect(stored).toContain(prefix);
      expect(stored).not.toContain(key);
      expect(stored).not.toContain(key.slice(13));
      expect(stored).not.toContain(t.adminKey);
    });

    it('every generated key is different', async () => {
      const keys = await Promise.all(
        Array.from({ length: 20 }, () => t.key({ name: 'bulk', role: 'manager', agency: 'AERM' })),
      );
      for (const key of keys) expect(key).toMatch(KEY_PATTERN);
      expect(new Set(keys).size).toBe(20);
      expect(new Set(keys.map((k) => k.slice(0, 12))).size).toBe(20);
    });

    it('requires racId for the rac role, and refuses it for the others', async () => {
      const count = async () =>
        rowsOf<{ n: number }>(await t.deps.db.execute(sql`select count(*)::int as n from api_keys`))[0]?.n;
      const before = await count();
      for (const payload of [
        { name: 'rac without id', role: 'rac', agency: 'AERM' },
        { name: 'manager with id', role: 'manager', agency: 'AERM', racId: 'rac-roux' },
      ]) {
        const response = await t.request(t.adminKey, { method: 'POST', url: '/v1/keys', payload });
        expect(response.statusCode, response.body).toBe(400);
        const { error } = response.json() as { error: { message: string; details: { path: string }[] } };
        expect(error.details.map((d) => d.path)).toEqual(['body.racId']);
        expect(error.message).toMatch(/^body\.racId: /);
      }
      expect(await count()).toBe(before);

      const rac = await t.request(t.adminKey, {
        method: 'POST',
        url: '/v1/keys',
        payload: { name: 'rac roux', role: 'rac', agency: 'AERM', racId: PROJECT.rac.id },
      });
      expect(rac.statusCode, rac.body).toBe(201);
      expect((rac.json() as { apiKey: { racId: string } }).apiKey.racId).toBe(PROJECT.rac.id);
    });
  });
});

describe.each(BACKENDS)('RAC profiles of a database from before profiles had an agency, on %s', (backend) => {
  it("take the agency of their RAC's orders (most orders first), or none when the RAC has no order", async () => {
    const database = await createTestDatabase(backend);
    // The migrations up to the one that adds the column, as an older release had them.
    const folder = mkdtempSync(join(tmpdir(), 'jalon-migrations-'));
    const source = join(fileURLToPath(import.meta.url), '../../../src/db/migrations');
    const journal = JSON.parse(readFileSync(join(source, 'meta/_journal.json'), 'utf8')) as {
      entries: { tag: string }[];
    };
    const before = journal.entries.slice(
      0,
      journal.entries.findIndex((e) => e.tag === '0006_access_scope'),
    );
    expect(before.length).toBeGreaterThan(0);
    mkdirSync(join(folder, 'meta'));
    writeFileSync(join(folder, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: before }));
    for (const { tag } of before) copyFileSync(join(source, `${tag}.sql`), join(folder, `${tag}.sql`));

    const old = await openOldDatabase(backend, database.env, folder);
    const order = (ref: string, agency: string, racId: string, updated: string) =>
      sql`insert into projects (ref, order_number, tracking_number, label, agency, received_at, rac_id, rac_first_name,
            rac_last_name, rac_email, client_company, offers, content_hash, updated_at)
          values (${ref}, ${ref}, 'T', 'L', ${agency}, '2026-01-05', ${racId}, 'A', 'B', 'rac@example.invalid', 'C',
            '[]'::jsonb, 'h', ${updated}::timestamptz)`;
    for (const statement of [
      order('O1', 'AERM', 'rac-a', '2026-01-01'),
      order('O2', 'AERM', 'rac-a', '2026-01-02'),
      order('O3', 'IDF', 'rac-a', '2026-03-01'),
      order('O4', 'IDF', 'rac-b', '2026-01-01'),
      order('O5', 'AERM', 'rac-b', '2026-02-01'),
      sql`insert into rac_profiles (id, display_name) values ('rac-a', 'A'), ('rac-b', 'B'), ('rac-c', 'C')`,
    ])
      await old.execute(statement);
    await old.close();

    const current = await openDatabase({
      databaseUrl: database.env.DATABASE_URL,
      dataDir: database.env.DATA_DIR ?? '',
    });
    try {
      await current.migrate();
      const rows = await current.db
        .select({ id: racProfiles.id, agency: racProfiles.agency })
        .from(racProfiles)
        .orderBy(asc(racProfiles.id));
      expect(rows).toEqual([
        { id: 'rac-a', agency: 'AERM' }, // two orders in AERM, one (later) in IDF
        { id: 'rac-b', agency: 'AERM' }, // one each: the latest order wins
        { id: 'rac-c', agency: null }, // no order: left to a national key
      ]);
    } finally {
      await current.close();
      await database.drop();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

/** A database migrated with the given folder only, as an older release left it. */
async function openOldDatabase(backend: Backend, env: Record<string, string>, folder: string) {
  if (backend === 'pglite') {
    const client = await PGlite.create(join(env.DATA_DIR ?? '', 'pg'));
    const db = drizzlePglite(client);
    await migratePglite(db, { migrationsFolder: folder });
    return { execute: (query: SQL) => db.execute(query), close: () => client.close() };
  }
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL });
  const db = drizzlePg(pool);
  await migratePg(db, { migrationsFolder: folder });
  return { execute: (query: SQL) => db.execute(query), close: () => pool.end() };
}

describe('queue dashboard on postgres', () => {
  let t: TestApp;
  const keys = {} as Record<'reader' | 'writer' | 'adminAERM' | 'integrationAll', string>;
  beforeAll(async () => {
    t = await createTestApp('postgres');
    keys.reader = await t.key({ name: 'national admin', role: 'admin', agency: '*' });
    keys.writer = await t.key({ name: 'queue operator', role: 'admin', agency: '*', queueWrite: true });
    keys.adminAERM = await t.key({ name: 'admin AERM', role: 'admin', agency: 'AERM' });
    keys.integrationAll = await t.key({ name: 'integration national', role: 'integration', agency: '*' });
  });
  afterAll(async () => t?.close());

  const dashboard = (key: string, method: string, url: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url: `/admin/queues${url}`,
      headers: { authorization: `Bearer ${key}` },
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
  /** What a write could change: whether each queue is paused, and its jobs by state. */
  const queues = async () =>
    Promise.all(
      (['email', 'sms'] as const).map(async (channel) => {
        const queue = t.deps.producer.queue(channel);
        return { paused: await queue.isPaused(), counts: await queue.getJobCounts() };
      }),
    );
  const emailQueue = () => t.deps.producer.queue('email').name;

  it('is for national admin keys: a scoped admin or a national integration key gets 403', async () => {
    for (const url of ['', '/api/queues', `/api/queues/${emailQueue()}/metrics`]) {
      expect((await dashboard(keys.reader, 'GET', url)).statusCode, url).toBe(200);
      for (const key of [keys.adminAERM, keys.integrationAll]) {
        const refused = await dashboard(key, 'GET', url);
        expect(refused.statusCode, url).toBe(403);
        expect((refused.json() as { error: { code: string } }).error.code).toBe('forbidden');
      }
    }
  });

  it('is read-only for a key without queue writes: every action answers 403 and changes nothing', async () => {
    // A job to act on, failed so that retry and clean have something to do.
    const queue = t.deps.producer.queue('email');
    const job = await queue.add(
      'send',
      { messageId: 'dashboard-probe' },
      { jobId: 'dashboard-probe', delay: 3_600_000 },
    );
    const name = emailQueue();
    const WRITES: [string, string, unknown?][] = [
      ['PUT', '/api/queues/pause'],
      ['PUT', '/api/queues/resume'],
      ['PUT', `/api/queues/${name}/pause`],
      ['PUT', `/api/queues/${name}/concurrency`, { concurrency: 1 }],
      ['PUT', `/api/queues/${name}/rate-limit`, { max: 1, duration: 1000 }],
      ['POST', `/api/queues/${name}/add`, { name: 'send', data: { messageId: 'injected' } }],
      ['PUT', `/api/queues/${name}/retry/failed`],
      ['PUT', `/api/queues/${name}/promote`],
      ['PUT', `/api/queues/${name}/clean/delayed`],
      ['PUT', `/api/queues/${name}/empty`],
      ['PUT', `/api/queues/${name}/obliterate`],
      ['PUT', `/api/queues/${name}/${job.id}/promote`],
      ['PUT', `/api/queues/${name}/${job.id}/clean`],
      ['PATCH', `/api/queues/${name}/${job.id}/update-data`, { data: { messageId: 'other' } }],
      ['PATCH', `/api/queues/${name}/${job.id}/delay`, { delay: 0 }],
      ['PATCH', `/api/queues/${name}/${job.id}/priority`, { priority: 1 }],
    ];
    const before = await queues();
    for (const [method, url, payload] of WRITES) {
      for (const key of [keys.reader, keys.adminAERM, keys.integrationAll]) {
        const response = await dashboard(key, method, url, payload);
        expect(response.statusCode, `${method} ${url}`).toBe(403);
        expect((response.json() as { error: { code: string } }).error.code).toBe('forbidden');
      }
    }
    expect(await queues()).toEqual(before);
    expect((await queue.getJob('dashboard-probe'))?.data).toEqual({ messageId: 'dashboard-probe' });
    // The reader still sees the job.
    const seen = await dashboard(keys.reader, 'GET', `/api/queues/${name}/${job.id}`);
    expect(seen.statusCode, seen.body).toBe(200);
    await job.remove();
  });

  it('lets a key with queue writes act: pause and resume', async () => {
    const queue = t.deps.producer.queue('email');
    const paused = await dashboard(keys.writer, 'PUT', `/api/queues/${emailQueue()}/pause`);
    expect(paused.statusCode, paused.body).toBe(200);
    expect(await queue.isPaused()).toBe(true);
    const resumed = await dashboard(keys.writer, 'PUT', `/api/queues/${emailQueue()}/resume`);
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect(await queue.isPaused()).toBe(false);
  });

  it('queue writes are given when a national admin key is created, and to nothing else', async () => {
    const create = (payload: Record<string, unknown>) =>
      t.request(t.adminKey, { method: 'POST', url: '/v1/keys', payload: { name: 'ops', ...payload } });
    const given = await create({ role: 'admin', agency: '*', queueWrite: true });
    expect(given.statusCode, given.body).toBe(201);
    expect((given.json() as { apiKey: { queueWrite: boolean } }).apiKey.queueWrite).toBe(true);
    const plain = await create({ role: 'admin', agency: '*' });
    expect((plain.json() as { apiKey: { queueWrite: boolean } }).apiKey.queueWrite).toBe(false);
    for (const payload of [
      { role: 'admin', agency: 'AERM', queueWrite: true },
      { role: 'integration', agency: '*', queueWrite: true },
      { role: 'admin', agency: '*', queueWrite: 'yes' },
    ]) {
      const refused = await create(payload);
      expect(refused.statusCode, JSON.stringify(payload)).toBe(400);
      expect((refused.json() as { error: { details: { path: string }[] } }).error.details.map((d) => d.path)).toEqual([
        'body.queueWrite',
      ]);
    }
  });

  it('npm run keys -- create --queue-write makes such a key', () => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DATABASE_URL: t.deps.config.DATABASE_URL ?? '',
    };
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/keys/cli.ts', 'create', ...args], { env, encoding: 'utf8' });
    const made = cli('--role', 'admin', '--agency', '*', '--name', 'queue operator', '--queue-write', '--json');
    expect(made.status, made.stderr).toBe(0);
    const { id } = JSON.parse(made.stdout) as { id: string };
    return t.deps.keys.list().then((list) => {
      expect(list.find((k) => k.id === id)?.queueWrite).toBe(true);
      const refused = cli('--role', 'manager', '--agency', 'AERM', '--name', 'x', '--queue-write');
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/--queue-write: /);
    });
  });
});

describe('rate limiting per key on postgres', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('postgres', { RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(async () => t?.close());

  it('the 6th request of key A in a minute gets 429 while key B still gets 200', async () => {
    const a = await t.key({ name: 'A', role: 'admin', agency: '*' });
    const b = await t.key({ name: 'B', role: 'admin', agency: '*' });
    for (let i = 1; i <= 5; i++) {
      const response = await t.request(a, { method: 'GET', url: '/v1/keys' });
      expect(response.statusCode, `request ${i}`).toBe(200);
    }
    const limited = await t.request(a, { method: 'GET', url: '/v1/keys' });
    expect(limited.statusCode).toBe(429);
    const { error } = limited.json() as { error: { code: string; message: string; requestId: string } };
    expect(error.code).toBe('rate_limited');
    expect(error.message).toMatch(/5 requests per minute/);
    expect(error.requestId).toBe(limited.headers['x-request-id']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    expect((await t.request(b, { method: 'GET', url: '/v1/keys' })).statusCode).toBe(200);
    // Still limited: the window has not moved.
    expect((await t.request(a, { method: 'GET', url: '/v1/keys' })).statusCode).toBe(429);
  });
});

/**
 * People: every route of people and sessions, and the visit routes, against every kind of key
 * and every kind of signed-in person (a session cookie and the pages' header).
 */
const PEOPLE = {
  pAdminAll: {
    email: 'admin.national@orion-telecom.example',
    displayName: 'Admin National',
    role: 'admin',
    agency: '*',
  },
  pAdminAERM: { email: 'admin.aerm@orion-telecom.example', displayName: 'Admin AERM', role: 'admin', agency: 'AERM' },
  pAdminIDF: { email: 'admin.idf@orion-telecom.example', displayName: 'Admin IDF', role: 'admin', agency: 'IDF' },
  pRacOwn: {
    email: 'baptiste.roux@orion-telecom.example',
    displayName: 'Baptiste Roux',
    role: 'rac',
    agency: 'AERM',
    racId: PROJECT.rac.id,
  },
  pRacOther: {
    email: 'lea.laurent@orion-telecom.example',
    displayName: 'Léa Laurent',
    role: 'rac',
    agency: 'AERM',
    racId: 'rac-laurent',
  },
  pManagerAERM: {
    email: 'manager.aerm@orion-telecom.example',
    displayName: 'Manager AERM',
    role: 'manager',
    agency: 'AERM',
  },
  pManagerIDF: {
    email: 'manager.idf@orion-telecom.example',
    displayName: 'Manager IDF',
    role: 'manager',
    agency: 'IDF',
  },
  pPlannerAERM: {
    email: 'planning.aerm@orion-telecom.example',
    displayName: 'Planning AERM',
    role: 'planner',
    agency: 'AERM',
  },
  pPlannerIDF: {
    email: 'planning.idf@orion-telecom.example',
    displayName: 'Planning IDF',
    role: 'planner',
    agency: 'IDF',
  },
} satisfies Record<string, Omit<UserInput, 'invite'>>;
type PersonName = keyof typeof PEOPLE;
type Principal = KeyName | PersonName;
const PRINCIPALS: Principal[] = [...KEY_NAMES, ...(Object.keys(PEOPLE) as PersonName[])];
const isPerson = (name: Principal): name is PersonName => name in PEOPLE;

interface PeopleSetup {
  t: TestApp;
  admin: Caller;
  secrets: Record<Principal, string>;
  ids: Record<PersonName, string>;
}
interface PeopleRoute {
  name: string;
  prepare?(setup: PeopleSetup, principal: Principal): Promise<string>;
  send(setup: PeopleSetup, principal: Principal, subject: string): Promise<LightMyRequestResponse>;
  allowed: Partial<Record<Principal, number>>;
}

const as = (
  { t, secrets }: PeopleSetup,
  principal: Principal,
  options: { method: string; url: string; payload?: unknown },
) => (isPerson(principal) ? asPerson(t, secrets[principal], options) : t.request(secrets[principal], options));

const aPerson =
  (agency: string) =>
  async ({ t }: PeopleSetup) =>
    (
      await createPerson(t, {
        email: `${freshId('cible')}@orion-telecom.example`,
        displayName: 'Cible',
        role: 'manager',
        agency,
      })
    ).id;
const newPerson = (agency: string) => ({
  email: `${freshId('nouveau')}@orion-telecom.example`,
  displayName: 'Nouvelle personne',
  role: 'planner',
  agency,
  invite: false,
});
const ADMINS_AERM = { adminAll: 200, adminAERM: 200, pAdminAll: 200, pAdminAERM: 200 } as const;
const EVERY_PERSON = Object.fromEntries(Object.keys(PEOPLE).map((name) => [name, 200])) as Record<PersonName, number>;
const VISIT_BOOKERS = {
  adminAll: 201,
  adminAERM: 201,
  integrationAERM: 201,
  racOwn: 201,
  pAdminAll: 201,
  pAdminAERM: 201,
  pRacOwn: 201,
  pPlannerAERM: 201,
} as const;

/** Who reads the order: the key readers, and the people of its agency (its RAC only, among RACs). */
const PEOPLE_READERS = {
  ...READERS,
  pAdminAll: 200,
  pAdminAERM: 200,
  pRacOwn: 200,
  pManagerAERM: 200,
  pPlannerAERM: 200,
} as const;

const PEOPLE_ROUTES: PeopleRoute[] = [
  {
    name: 'POST /v1/users (agency AERM)',
    send: (s, p) => as(s, p, { method: 'POST', url: '/v1/users', payload: newPerson('AERM') }),
    allowed: { adminAll: 201, adminAERM: 201, pAdminAll: 201, pAdminAERM: 201 },
  },
  {
    name: 'POST /v1/users (agency IDF)',
    send: (s, p) => as(s, p, { method: 'POST', url: '/v1/users', payload: newPerson('IDF') }),
    allowed: { adminAll: 201, pAdminAll: 201, pAdminIDF: 201 },
  },
  {
    name: 'GET /v1/users',
    send: (s, p) => as(s, p, { method: 'GET', url: '/v1/users' }),
    allowed: { ...ADMINS_AERM, pAdminIDF: 200 },
  },
  {
    name: 'GET /v1/users/{id} (person of AERM)',
    prepare: aPerson('AERM'),
    send: (s, p, id) => as(s, p, { method: 'GET', url: `/v1/users/${id}` }),
    allowed: ADMINS_AERM,
  },
  {
    name: 'PATCH /v1/users/{id} (person of AERM)',
    prepare: aPerson('AERM'),
    send: (s, p, id) => as(s, p, { method: 'PATCH', url: `/v1/users/${id}`, payload: { displayName: 'Renommée' } }),
    allowed: ADMINS_AERM,
  },
  {
    name: 'DELETE /v1/users/{id} (person of AERM)',
    prepare: aPerson('AERM'),
    send: (s, p, id) => as(s, p, { method: 'DELETE', url: `/v1/users/${id}` }),
    allowed: ADMINS_AERM,
  },
  {
    name: 'DELETE /v1/users/{id} (person of IDF)',
    prepare: aPerson('IDF'),
    send: (s, p, id) => as(s, p, { method: 'DELETE', url: `/v1/users/${id}` }),
    allowed: { adminAll: 200, pAdminAll: 200, pAdminIDF: 200 },
  },
  {
    name: 'GET /v1/sessions',
    send: (s, p) => as(s, p, { method: 'GET', url: '/v1/sessions' }),
    allowed: EVERY_PERSON,
  },
  {
    // A second session of the same person (a key gets some person's): ending it leaves the
    // session the requests are made with.
    name: 'DELETE /v1/sessions/{id} (my other session)',
    prepare: async ({ t, ids }, principal) => {
      const owner = isPerson(principal) ? ids[principal] : ids.pManagerAERM;
      await sessionOf(t, owner);
      const [row] = rowsOf<{ id: string }>(
        await t.deps.db.execute(
          sql`select id from sessions where user_id = ${owner} and revoked_at is null order by created_at desc limit 1`,
        ),
      );
      return row?.id ?? '';
    },
    send: (s, p, id) => as(s, p, { method: 'DELETE', url: `/v1/sessions/${id}` }),
    allowed: Object.fromEntries(Object.keys(PEOPLE).map((name) => [name, 204])),
  },
  {
    name: 'PUT /v1/projects/{ref}/interventions/{id}',
    prepare: async () => freshId('visit'),
    send: (s, p, id) => as(s, p, { method: 'PUT', url: `${URL}/interventions/${id}`, payload: VISIT }),
    allowed: VISIT_BOOKERS,
  },
  {
    name: 'DELETE /v1/projects/{ref}/interventions/{id}',
    prepare: async ({ t, admin }) => {
      const id = freshId('visit');
      await t.deps.interventions.put(PROJECT.orderNumber, id, VISIT, admin);
      return id;
    },
    send: (s, p, id) => as(s, p, { method: 'DELETE', url: `${URL}/interventions/${id}` }),
    allowed: Object.fromEntries(Object.entries(VISIT_BOOKERS).map(([name]) => [name, 200])),
  },
  {
    name: 'GET /v1/projects (the order, searched by its number)',
    send: async (s, p) =>
      listed(await as(s, p, { method: 'GET', url: `/v1/projects?q=${PROJECT.orderNumber}` }), PROJECT.orderNumber),
    allowed: PEOPLE_READERS,
  },
  {
    name: 'GET /v1/messages (status=draft, rac=me)',
    send: (s, p) => as(s, p, { method: 'GET', url: '/v1/messages?status=draft&rac=me' }),
    allowed: {
      ...Object.fromEntries(PRINCIPALS.map((name) => [name, 400])),
      racOwn: 200,
      racOther: 200,
      racOwnIdOtherAgency: 200,
      pRacOwn: 200,
      pRacOther: 200,
    },
  },
  {
    name: 'GET /v1/projects/{ref}/interventions',
    send: (s, p) => as(s, p, { method: 'GET', url: `${URL}/interventions` }),
    allowed: PEOPLE_READERS,
  },
  {
    name: 'PATCH /v1/projects/{ref}/contacts/{id}',
    send: (s, p) =>
      as(s, p, {
        method: 'PATCH',
        url: `${URL}/contacts/${PROJECT.contacts[0]?.id ?? 'ct-1'}`,
        payload: { firstName: 'Jeanne' },
      }),
    allowed: { ...SENDERS, pAdminAll: 200, pAdminAERM: 200, pRacOwn: 200 },
  },
  {
    name: 'GET /v1/interventions (a visit of the order, on its day)',
    prepare: bookedVisit,
    send: async (s, p, id) =>
      listed(await as(s, p, { method: 'GET', url: `/v1/interventions?${VISIT_DAYS}&limit=200` }), id),
    allowed: PEOPLE_READERS,
  },
  {
    name: 'GET /v1/interventions (agency=AERM)',
    send: (s, p) => as(s, p, { method: 'GET', url: '/v1/interventions?agency=AERM' }),
    allowed: { ...PEOPLE_READERS, racOther: 200, pRacOther: 200 },
  },
];

const PEOPLE_MATRIX = PEOPLE_ROUTES.flatMap((route) =>
  PRINCIPALS.map((principal) => ({ route: route.name, principal, status: route.allowed[principal] ?? 403 })),
);

describe('people × agency matrix on postgres', () => {
  let setup: PeopleSetup;
  const state = async () => {
    const { db } = setup.t.deps;
    const [counts] = rowsOf<Record<string, number>>(
      await db.execute(
        sql`select (select count(*)::int from users) as users, (select count(deactivated_at)::int from users) as deactivated,
                   (select count(revoked_at)::int from sessions) as revoked, (select count(*)::int from history_events) as events`,
      ),
    );
    return {
      counts,
      users: rowsOf(await db.execute(sql`select * from users order by id`)),
      interventions: await db.select().from(interventions).orderBy(asc(interventions.id)),
    };
  };

  beforeAll(async () => {
    const t = await createTestApp('postgres');
    const created = await t.request(t.adminKey, { method: 'PUT', url: URL, payload: PROJECT });
    expect(created.statusCode, created.body).toBe(201);
    const admin = await t.deps.keys.authenticate(t.adminKey);
    if (!admin) throw new Error('the test admin key does not authenticate');
    const secrets = {} as Record<Principal, string>;
    const ids = {} as Record<PersonName, string>;
    for (const name of KEY_NAMES) secrets[name] = await t.key(KEYS[name]);
    for (const name of Object.keys(PEOPLE) as PersonName[]) {
      ids[name] = (await createPerson(t, PEOPLE[name])).id;
      secrets[name] = await sessionOf(t, ids[name]);
    }
    setup = { t, admin, secrets, ids };
  });
  afterAll(async () => setup?.t.close());

  it('covers every route of people and sessions', async () => {
    const docs = await setup.t.app.inject({ method: 'GET', url: '/docs/json' });
    const { paths = {} } = docs.json() as { paths?: Record<string, Record<string, unknown>> };
    const served = Object.entries(paths)
      .filter(([path]) => /^\/v1\/(users|sessions)(\/|$)/.test(path))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    const routes = new Set(PEOPLE_ROUTES.map((r) => r.name.replace(/ \(.*\)$/, '')));
    expect(served.length).toBeGreaterThan(0);
    for (const route of served) expect(routes, `${route} has no row`).toContain(route);
  });

  it.each(PEOPLE_MATRIX)('$route with $principal → $status', async ({ route: routeName, principal, status }) => {
    const route = PEOPLE_ROUTES.find((r) => r.name === routeName);
    if (!route) throw new Error(`no route ${routeName}`);
    const subject = route.prepare ? await route.prepare(setup, principal) : '';
    const before = status === 403 ? await state() : undefined;
    const response = await route.send(setup, principal, subject);
    expect(response.statusCode, response.body).toBe(status);
    if (before) {
      expect((response.json() as { error: { code: string } }).error.code).toBe('forbidden');
      expect(await state()).toEqual(before);
    }
  });

  it('a planner books visits, reads its agency, and writes nothing else', async () => {
    const writes: { method: string; url: string; payload?: unknown; headers?: Record<string, string> }[] = [
      { method: 'PUT', url: URL, payload: PROJECT },
      { method: 'PATCH', url: `${URL}/milestones`, payload: { clientContact: { actual: '2026-03-03' } } },
      { method: 'POST', url: `${URL}/sites/import`, payload: CSV, headers: { 'content-type': 'text/csv' } },
      {
        method: 'POST',
        url: '/v1/messages',
        payload: { projectRef: PROJECT.orderNumber, template: 'accuse-reception' },
      },
      { method: 'POST', url: `/v1/messages/${NO_MESSAGE}/send` },
      { method: 'POST', url: `/v1/messages/${NO_MESSAGE}/cancel` },
      { method: 'PATCH', url: `/v1/messages/${NO_MESSAGE}`, payload: { blocks: { personalMessage: 'x' } } },
      { method: 'PUT', url: '/v1/racs/rac-planning', payload: { displayName: 'Planning' } },
      { method: 'PUT', url: '/v1/agencies/AERM/settings', payload: {} },
      { method: 'POST', url: '/v1/keys', payload: { name: 'x', role: 'manager', agency: 'AERM' } },
      { method: 'POST', url: '/v1/users', payload: newPerson('AERM') },
    ];
    const token = setup.secrets.pPlannerAERM;
    for (const write of writes) {
      const response = await asPerson(setup.t, token, write);
      expect(response.statusCode, `${write.method} ${write.url}: ${response.body}`).toBe(403);
    }
    expect((await asPerson(setup.t, token, { method: 'GET', url: URL })).statusCode).toBe(200);
    expect((await asPerson(setup.t, setup.secrets.pPlannerIDF, { method: 'GET', url: URL })).statusCode).toBe(403);
  });

  it('a session-cookie write from a foreign origin, or without the pages header, is refused', async () => {
    const token = setup.secrets.pAdminAERM;
    const cookies = { jalon_session: token };
    const before = await state();
    const attempts = [
      // A form posted from another site: a simple request, no custom header.
      { headers: { origin: 'https://evil.example', 'content-type': 'text/plain' } },
      // A page of another origin that could add the header (a CORS preflight is never granted).
      { headers: { origin: 'http://127.0.0.1:4444', 'x-jalon-csrf': '1' } },
      { headers: { 'sec-fetch-site': 'cross-site', 'x-jalon-csrf': '1' } },
      { headers: {} },
    ];
    for (const { headers } of attempts) {
      const response = await setup.t.app.inject({
        method: 'POST',
        url: '/v1/users',
        cookies,
        headers,
        payload: JSON.stringify(newPerson('AERM')),
      });
      expect(response.statusCode, JSON.stringify(headers)).toBe(403);
      expect((response.json() as { error: { code: string } }).error.code).toBe('csrf');
    }
    expect(await state()).toEqual(before);
    // The same write from the service's own pages goes through.
    const own = await setup.t.app.inject({
      method: 'POST',
      url: '/v1/users',
      cookies,
      headers: { origin: 'http://127.0.0.1:3000', 'x-jalon-csrf': '1', 'content-type': 'application/json' },
      payload: JSON.stringify(newPerson('AERM')),
    });
    expect(own.statusCode, own.body).toBe(201);
    // Reads need no header; an API key needs none either.
    expect((await setup.t.app.inject({ method: 'GET', url: '/v1/users', cookies })).statusCode).toBe(200);
  });
});
