import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { BACKENDS } from '../helpers/db.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fixtureNames, loadFixture } from '../helpers/fixtures.js';

const withoutMeta = (body: Record<string, unknown>) => {
  const { ref: _r, version: _v, createdAt: _c, updatedAt: _u, deadlines: _d, ...rest } = body;
  return rest;
};

describe.each(BACKENDS)('projects on %s', (backend) => {
  let t: TestApp;
  const counts = async () => {
    const result = await t.deps.db.execute(
      sql`select (select count(*) from projects)::int as projects, (select count(*) from contacts)::int as contacts,
                 (select count(*) from sites)::int as sites, (select count(*) from milestones)::int as milestones`,
    );
    return (result as { rows: Record<string, number>[] }).rows[0];
  };

  beforeAll(async () => {
    t = await createTestApp(backend);
  });
  afterAll(async () => t?.close());

  it.each(fixtureNames())('%s: PUT creates (201), GET returns it unchanged, a replay changes nothing', async (name) => {
    const fixture = loadFixture(name);
    const url = `/v1/projects/${fixture.orderNumber}`;
    const created = await t.request(t.adminKey, { method: 'PUT', url, payload: fixture });
    expect(created.statusCode, created.body).toBe(201);
    const fetched = await t.request(t.adminKey, { method: 'GET', url });
    expect(fetched.statusCode).toBe(200);
    expect(withoutMeta(fetched.json())).toEqual(fixture);
    expect(fetched.json()).toMatchObject({ ref: fixture.orderNumber, version: 1 });

    const before = await counts();
    const replay = await t.request(t.adminKey, { method: 'PUT', url, payload: fixture });
    expect(replay.statusCode).toBe(200);
    expect(replay.json().version).toBe(1);
    expect(replay.json().updatedAt).toBe(fetched.json().updatedAt);
    expect(await counts()).toEqual(before);
  });

  it('a changed body replaces the order and bumps its version', async () => {
    const fixture = loadFixture('CMD-2026-000103');
    const url = `/v1/projects/${fixture.orderNumber}`;
    await t.request(t.adminKey, { method: 'PUT', url, payload: fixture });
    const changed = {
      ...fixture,
      label: 'Déploiement révisé',
      sites: fixture.sites.slice(0, 5),
      contacts: [...fixture.contacts, { id: 'ct-9', lastName: 'Nouveau', role: 'technical', mobile: '07 12 34 56 78' }],
    };
    const response = await t.request(t.adminKey, { method: 'PUT', url, payload: changed });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.label).toBe('Déploiement révisé');
    expect(body.sites).toHaveLength(5);
    expect(body.contacts.at(-1)).toEqual({
      id: 'ct-9',
      lastName: 'Nouveau',
      role: 'technical',
      mobile: '+33712345678',
    });
    expect(body.version).toBeGreaterThan(1);
    const stored = await t.deps.db.execute(
      sql`select count(*)::int as n from sites where project_ref = ${fixture.orderNumber}`,
    );
    expect((stored as { rows: { n: number }[] }).rows[0]?.n).toBe(5);
  });

  it('normalises the ways people write phone numbers and emails', async () => {
    const fixture = loadFixture('CMD-2026-000101');
    const payload = {
      ...fixture,
      orderNumber: 'CMD-NORM-1',
      rac: { ...fixture.rac, phone: '+33 (0)6 39 98 01 04', email: 'B.Roux@Operateur.Example' },
      contacts: [
        { ...fixture.contacts[0], mobile: '06 39 93 01 23', civility: 'Madame' },
        { ...fixture.contacts[1], mobile: '0033 6 39 90 77 76' },
      ],
    };
    const response = await t.request(t.adminKey, { method: 'PUT', url: '/v1/projects/CMD-NORM-1', payload });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json();
    expect(body.rac.phone).toBe('+33639980104');
    expect(body.rac.email).toBe('b.roux@operateur.example');
    expect(body.contacts[0]).toMatchObject({ mobile: '+33639930123', civility: 'Mme' });
    expect(body.contacts[1].mobile).toBe('+33639907776');
  });

  it('PATCH milestones sets, changes and clears dates and records it in the history', async () => {
    const fixture = loadFixture('CMD-2026-000102');
    const url = `/v1/projects/${fixture.orderNumber}`;
    await t.request(t.adminKey, { method: 'PUT', url, payload: fixture });
    await t.settle();
    const patched = await t.request(t.adminKey, {
      method: 'PATCH',
      url: `${url}/milestones`,
      payload: { rle: { actual: '2026-05-22' }, rlp: { planned: null }, surveySent: { planned: '2026-07-01' } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    await t.settle();
    expect(patched.json().milestones).toEqual({
      clientContact: { planned: '2026-05-12' },
      rle: { planned: '2026-05-23', actual: '2026-05-22' },
      deploymentEnd: { planned: '2026-06-13' },
      surveySent: { planned: '2026-07-01' },
    });
    const history = await t.deps.db.execute(
      sql`select type, data from history_events where project_ref = ${fixture.orderNumber} order by id`,
    );
    const rows = (history as { rows: { type: string; data: Record<string, unknown> }[] }).rows;
    // The new order got its welcome mail prepared; the RLE taking place, its recap; the welcome
    // mail, still a draft, was rendered again from the changed order.
    expect(rows.map((r) => r.type)).toEqual([
      'project.created',
      'message.drafted',
      'milestones.updated',
      'message.drafted',
      'message.rerendered',
    ]);
    expect(rows.map((r) => r.data.template)).toEqual([
      undefined,
      'accuse-reception',
      undefined,
      'rle-recap',
      'accuse-reception',
    ]);
    expect(rows[2]?.data.changes).toEqual({
      'rle.actual': '2026-05-22',
      'rlp.planned': null,
      'surveySent.planned': '2026-07-01',
    });

    // Replaying the original order afterwards puts the original dates back.
    const replay = await t.request(t.adminKey, { method: 'PUT', url, payload: fixture });
    expect(replay.json().milestones).toEqual(fixture.milestones);
  });

  it('answers over a real socket too', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const fixture = loadFixture('CMD-2026-000101');
    await t.request(t.adminKey, { method: 'PUT', url: `/v1/projects/${fixture.orderNumber}`, payload: fixture });
    const response = await fetch(`${address}/v1/projects/${fixture.orderNumber}`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
    expect(((await response.json()) as { orderNumber: string }).orderNumber).toBe(fixture.orderNumber);
  });
});
