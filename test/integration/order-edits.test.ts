import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { BACKENDS } from '../helpers/db.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { loadFixture } from '../helpers/fixtures.js';

/**
 * One contact or one site of an order corrected by hand (PATCH …/contacts/{id}, …/sites/{ref}):
 * the fields given, the order's version checked by If-Match, nothing written on a refusal.
 */

const ORDER = loadFixture('CMD-2026-000102');
const URL = `/v1/projects/${ORDER.orderNumber}`;

describe.each(BACKENDS)('order edits on %s', (backend) => {
  let t: TestApp;
  const keys = { rac: '', manager: '' };
  const order = async () =>
    (await t.request(t.adminKey, { method: 'GET', url: URL })).json() as typeof ORDER & {
      version: number;
    };
  const patch = (key: string, path: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.request(key, { method: 'PATCH', url: `${URL}${path}`, payload, headers });

  beforeAll(async () => {
    t = await createTestApp(backend);
    const put = await t.request(t.adminKey, { method: 'PUT', url: URL, payload: ORDER });
    expect(put.statusCode, put.body).toBe(201);
    keys.rac = await t.key({ name: 'Léa Laurent', role: 'rac', agency: 'AERM', racId: ORDER.rac.id });
    keys.manager = await t.key({ name: 'manager AERM', role: 'manager', agency: 'AERM' });
  });
  afterAll(async () => t?.close());

  it('the RAC corrects a contact’s email: stored normalised, version up, history without the address', async () => {
    const before = await order();
    const response = await patch(
      keys.rac,
      '/contacts/ct-1',
      { email: ' Nouvelle.Adresse@Client.example ' },
      {
        'if-match': `"${before.version}"`,
      },
    );
    expect(response.statusCode, response.body).toBe(200);
    const after = response.json() as typeof before;
    expect(after.version).toBe(before.version + 1);
    const contact = after.contacts.find((c) => c.id === 'ct-1');
    expect(contact?.email).toBe('nouvelle.adresse@client.example');
    expect(contact?.lastName).toBe(before.contacts.find((c) => c.id === 'ct-1')?.lastName);
    expect(after.contacts.filter((c) => c.id !== 'ct-1')).toEqual(before.contacts.filter((c) => c.id !== 'ct-1'));
    const events = (
      (await t.deps.db.execute(
        sql`select type, data from history_events where project_ref = ${ORDER.orderNumber} order by id desc limit 1`,
      )) as unknown as { rows: { type: string; data: Record<string, unknown> }[] }
    ).rows;
    expect(events[0]).toEqual({ type: 'project.updated', data: { changes: ['contacts'], contactId: 'ct-1' } });
    expect(JSON.stringify(events)).not.toContain('nouvelle.adresse');
  });

  it('refuses a stale version (412), bad fields (400 naming them), an unknown contact (404), a manager (403)', async () => {
    const before = await order();
    const stale = await patch(keys.rac, '/contacts/ct-1', { firstName: 'Jeanne' }, { 'if-match': '"1"' });
    expect(stale.statusCode, stale.body).toBe(412);
    expect(stale.json().error.code).toBe('stale_version');
    const cases: [string, unknown, string][] = [
      ['/contacts/ct-1', { email: 'pas-une-adresse' }, 'body.email'],
      ['/contacts/ct-1', { mobile: '04 67 00 00 00' }, 'body.mobile'],
      ['/contacts/ct-1', {}, 'body'],
      ['/contacts/ct-1', { role: 'main' }, 'body'],
      ['/contacts/ct-1', { email: null, mobile: null }, 'body.email'],
      ['/sites/SU1020001', { postalCode: '340' }, 'body.postalCode'],
      ['/sites/SU1020001', { contactId: 'ct-9' }, 'body.contactId'],
    ];
    for (const [path, payload, field] of cases) {
      const response = await patch(keys.rac, path, payload);
      expect(response.statusCode, `${path} ${JSON.stringify(payload)}: ${response.body}`).toBe(400);
      expect(response.body).toContain(field);
    }
    expect((await patch(keys.rac, '/contacts/ct-9', { firstName: 'X' })).statusCode).toBe(404);
    expect((await patch(keys.manager, '/contacts/ct-1', { firstName: 'X' })).statusCode).toBe(403);
    expect(await order()).toEqual(before);
  });

  it('corrects a site: its city is what the order list searches', async () => {
    const response = await patch(keys.rac, '/sites/SU1020002', { city: 'Carpentras', postalCode: '84200' });
    expect(response.statusCode, response.body).toBe(200);
    const site = (response.json() as typeof ORDER).sites.find((s) => s.ref === 'SU1020002');
    expect(site).toMatchObject({ city: 'Carpentras', postalCode: '84200', name: ORDER.sites[1]!.name });
    const found = await t.request(keys.rac, { method: 'GET', url: '/v1/projects?q=carpentras' });
    expect((found.json() as { items: { ref: string }[] }).items.map((i) => i.ref)).toEqual([ORDER.orderNumber]);
  });
});
