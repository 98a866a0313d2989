import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { KeyInput } from '../../src/keys/service.js';
import { BACKENDS } from '../helpers/db.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { loadFixture } from '../helpers/fixtures.js';

/**
 * Who may do what: every /v1 route against every kind of key. The project belongs to agency
 * AERM and its RAC is `rac-roux`.
 */

const PROJECT = loadFixture('CMD-2026-000101');
const URL = `/v1/projects/${PROJECT.orderNumber}`;
const KEY_PATTERN = /^jln_[A-Za-z0-9]{8}_[A-Za-z0-9]{40}$/;

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

interface Route {
  name: string;
  /** Sends the request; `target` makes a fresh key to act on when the route needs one. */
  send(t: TestApp, key: string, target: (agency: string) => Promise<string>): Promise<LightMyRequestResponse>;
  /** Expected status per key; a key not listed gets 403. */
  allowed: Partial<Record<KeyName, number>>;
  /** Whether the route reads or writes the project (so a 403 can be checked for side effects). */
  project?: boolean;
}

const ROUTES: Route[] = [
  {
    name: 'PUT /v1/projects/{ref}',
    send: (t, key) => t.request(key, { method: 'PUT', url: URL, payload: PROJECT }),
    allowed: { adminAll: 200, adminAERM: 200, integrationAERM: 200 },
    project: true,
  },
  {
    name: 'GET /v1/projects/{ref}',
    send: (t, key) => t.request(key, { method: 'GET', url: URL }),
    allowed: { adminAll: 200, adminAERM: 200, integrationAERM: 200, racOwn: 200, managerAERM: 200 },
    project: true,
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
    project: true,
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
    project: true,
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
    send: async (t, key, target) => t.request(key, { method: 'DELETE', url: `/v1/keys/${await target('AERM')}` }),
    allowed: { adminAll: 200, adminAERM: 200 },
  },
  {
    name: 'DELETE /v1/keys/{id} (key of IDF)',
    send: async (t, key, target) => t.request(key, { method: 'DELETE', url: `/v1/keys/${await target('IDF')}` }),
    allowed: { adminAll: 200 },
  },
];

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
  const secrets = {} as Record<KeyName, string>;
  const keysCount = async () =>
    rowsOf<{ n: number; revoked: number }>(
      await t.deps.db.execute(sql`select count(*)::int as n, count(revoked_at)::int as revoked from api_keys`),
    )[0];
  const projectState = async () => {
    const response = await t.request(t.adminKey, { method: 'GET', url: URL });
    const events = rowsOf<{ n: number }>(await t.deps.db.execute(sql`select count(*)::int as n from history_events`))[0]
      ?.n;
    return { project: response.json() as unknown, events };
  };

  beforeAll(async () => {
    t = await createTestApp('postgres');
    const created = await t.request(t.adminKey, { method: 'PUT', url: URL, payload: PROJECT });
    expect(created.statusCode, created.body).toBe(201);
    for (const name of KEY_NAMES) secrets[name] = await t.key(KEYS[name]);
  });
  afterAll(async () => t?.close());

  it('covers every project and key route with every kind of key', () => {
    const routes = new Set(ROUTES.map((r) => r.name.replace(/ \(.*\)$/, '')));
    // The OpenAPI document lists what the application really serves.
    const { paths = {} } = t.app.swagger() as { paths?: Record<string, Record<string, unknown>> };
    const served = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const route of routes) expect(served).toContain(route);
    // The routes of projects.ts and keys.ts as they were when this matrix was written; other
    // /v1 routes (messages, templates, RAC profiles…) have their own access tests.
    expect([...routes].sort()).toEqual(
      [
        'DELETE /v1/keys/{id}',
        'GET /v1/keys',
        'GET /v1/projects/{ref}',
        'PATCH /v1/projects/{ref}/milestones',
        'POST /v1/keys',
        'POST /v1/projects/{ref}/sites/import',
        'PUT /v1/projects/{ref}',
      ].sort(),
    );
    expect(MATRIX.length).toBe(ROUTES.length * KEY_NAMES.length);
  });

  it.each(MATRIX)('$route with $keyName → $status', async ({ route: routeName, keyName, status }) => {
    const route = ROUTES.find((r) => r.name === routeName);
    if (!route) throw new Error(`no route ${routeName}`);
    const target = async (agency: string) =>
      (await t.deps.keys.create({ name: 'target', role: 'manager', agency })).apiKey.id;
    const before = route.project ? await projectState() : undefined;
    const keysBefore = await keysCount();

    const response = await route.send(t, secrets[keyName], target);
    expect(response.statusCode, response.body).toBe(status);

    if (status === 403) {
      const { error } = response.json() as { error: { code: string; message: string } };
      expect(error.code).toBe('forbidden');
      // A refused request changes nothing: neither the order nor the keys.
      if (before) expect(await projectState()).toEqual(before);
      const keysAfter = await keysCount();
      if (routeName.startsWith('DELETE')) {
        expect(keysAfter).toEqual({ n: (keysBefore?.n ?? 0) + 1, revoked: keysBefore?.revoked });
      } else {
        expect(keysAfter).toEqual(keysBefore);
      }
    }
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
    const before = await projectState();
    const response = await t.request(secrets.integrationIDF, {
      method: 'PUT',
      url: URL,
      payload: { ...PROJECT, agency: 'IDF' },
    });
    expect(response.statusCode).toBe(403);
    expect(await projectState()).toEqual(before);
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

  it.each(CELLS)('$method $url with $auth → 401', async ({ authHeaders, method, url, payload, headers }) => {
    const keysBefore = rowsOf<{ n: number }>(await t.deps.db.execute(sql`select count(*)::int as n from api_keys`));
    const response = await t.app.inject({
      method: method as 'GET',
      url,
      payload: payload as string,
      headers: { ...headers, ...authHeaders },
    });
    expect401(response);
    const keysAfter = rowsOf<{ n: number }>(await t.deps.db.execute(sql`select count(*)::int as n from api_keys`));
    expect(keysAfter).toEqual(keysBefore);
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
          ['agency', 'createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'racId', 'revokedAt', 'role'].sort(),
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
