import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/db.js';
import { TEST_DATABASE_URL } from '../helpers/env.js';
import { waitFor } from '../helpers/process.js';

describe.each(BACKENDS)('operations endpoints on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(backend);
  });
  afterAll(async () => t?.close());

  it('/health answers without a key and /ready checks the database and Redis', async () => {
    expect((await t.request(undefined, { method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    const ready = await t.request(undefined, { method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
  });

  it('/metrics exposes Prometheus metrics, including request durations', async () => {
    await t.request(undefined, { method: 'GET', url: '/health' });
    const metrics = await t.request(undefined, { method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('process_cpu_user_seconds_total');
    expect(metrics.body).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/health"/);
  });

  it('serves the OpenAPI document at /docs/json and the UI at /docs', async () => {
    const doc = (await t.request(undefined, { method: 'GET', url: '/docs/json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/projects/{ref}',
        '/v1/projects/{ref}/milestones',
        '/v1/projects/{ref}/sites/import',
        '/v1/keys',
      ]),
    );
    expect(doc.paths['/v1/projects/{ref}'].put.requestBody.content['application/json'].schema.required).toContain(
      'orderNumber',
    );
    const ui = await t.request(undefined, { method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });

  it('sets security headers and echoes a request id', async () => {
    const response = await t.request(undefined, {
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(response.headers['x-request-id']).toBe('abc-123');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers unknown routes with the error shape', async () => {
    const response = await t.request(t.adminKey, { method: 'GET', url: '/v1/nothing' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: 'not_found', message: 'No route GET /v1/nothing' });
  });
});

describe('when a dependency is down', () => {
  it('/ready says which one and answers 503', async () => {
    const t = await createTestApp('postgres', { REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const ready = await t.request(undefined, { method: 'GET', url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks.database).toBe('ok');
      expect(ready.json().checks.redis).toMatch(/^unavailable/);
    } finally {
      await t.close();
    }
  });

  it('/ready answers 503 while the database refuses connections, and 200 once it is back', async () => {
    const t = await createTestApp('postgres');
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    const name = new URL(t.deps.config.DATABASE_URL ?? '').pathname.slice(1);
    try {
      await admin.query(`alter database ${name} allow_connections false`);
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [name],
      );
      const down = await t.request(undefined, { method: 'GET', url: '/ready' });
      expect(down.statusCode).toBe(503);
      expect(down.json().checks.database).toMatch(
        /^unavailable: .*(not currently accepting connections|terminating connection)/,
      );
      await admin.query(`alter database ${name} allow_connections true`);
      const up = await t.request(undefined, { method: 'GET', url: '/ready' });
      expect(up.statusCode).toBe(200);
    } finally {
      await admin.query(`alter database ${name} allow_connections true`);
      await admin.end();
      await t.close();
    }
  });
});

describe.each(BACKENDS)('a failing database on %s', (backend) => {
  it('turns into a 500 that hides internals and returns the request id', async () => {
    const t = await createTestApp(backend);
    try {
      // The keys table is left alone, so authentication works and the project lookup fails.
      await t.deps.db.execute(sql`alter table projects rename to projects_elsewhere`);
      const response = await t.request(t.adminKey, { method: 'GET', url: '/v1/projects/ANY' });
      await t.deps.db.execute(sql`alter table projects_elsewhere rename to projects`);
      expect(response.statusCode).toBe(500);
      const { error } = response.json();
      expect(error.code).toBe('internal');
      expect(error.requestId).toBe(response.headers['x-request-id']);
      expect(JSON.stringify(error)).not.toMatch(/projects|relation|select/);
    } finally {
      await t.close();
    }
  });
});

describe('load shedding', () => {
  it('answers 503 with Retry-After past the configured event-loop delay', async () => {
    const t = await createTestApp('postgres', { OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '1' });
    try {
      const blockUntil = Date.now() + 300;
      while (Date.now() < blockUntil) {
        // A blocked event loop, as under a burst of synchronous work.
      }
      const shed = await waitFor(async () => {
        const response = await t.request(undefined, { method: 'GET', url: '/health' });
        return response.statusCode === 503 ? response : undefined;
      }, 5_000);
      expect(shed.headers['retry-after']).toBeDefined();
    } finally {
      await t.close();
    }
  });
});
