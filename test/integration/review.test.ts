import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/db.js';
import { loadFixture } from '../helpers/fixtures.js';

type View = {
  id: string;
  status: string;
  revision: number;
  renderedAt: string;
  renderedFromVersion: number;
  blocks: Record<string, string>;
  content: { subject: string; text: string };
};

/** A RAC's review of what Jalon prepared: fresh drafts, revisions, one milestone mail, bulk. */
describe.each(BACKENDS)('reviewing messages on %s', (backend) => {
  let t: TestApp;
  let rac = '';
  const fixture = loadFixture('CMD-2026-000102');
  const ref = fixture.orderNumber;
  const api = async (method: string, url: string, payload?: unknown, headers?: Record<string, string>) =>
    t.request(rac, { method, url, ...(payload === undefined ? {} : { payload }), ...(headers ? { headers } : {}) });
  const view = async (id: string) => (await api('GET', `/v1/messages/${id}`)).json() as View;
  const welcome = async () => {
    await t.settle();
    const rows = (await t.deps.db.execute(
      sql`select id from messages where project_ref = ${ref} and template_key = 'accuse-reception' and status = 'draft'`,
    )) as unknown as { rows: { id: string }[] };
    return rows.rows[0]!.id;
  };

  beforeAll(async () => {
    t = await createTestApp(backend);
    rac = await t.key({ name: 'Léa Laurent', role: 'rac', agency: fixture.agency, racId: fixture.rac.id });
    expect(
      (await t.request(t.adminKey, { method: 'PUT', url: `/v1/projects/${ref}`, payload: fixture })).statusCode,
    ).toBe(201);
  });
  afterAll(async () => t?.close());

  it('renders a waiting draft again when its order, its site list or its RAC’s signature change, keeping what the RAC typed', async () => {
    const id = await welcome();
    const typed = 'Ravi de vous accompagner sur ce projet.';
    const edited = await api('PATCH', `/v1/messages/${id}`, { blocks: { personalMessage: typed } });
    expect(edited.statusCode, edited.body).toBe(200);
    const first = await view(id);
    expect(first.renderedFromVersion).toBe(1);

    // The order tool sends the order again with a new label.
    const label = 'Déploiement fibre Alpilles Conseil, phase 2';
    await t.request(t.adminKey, { method: 'PUT', url: `/v1/projects/${ref}`, payload: { ...fixture, label } });
    await t.settle();
    const afterOrder = await view(id);
    expect(afterOrder.content.text).toContain(label);
    expect(afterOrder.content.text).toContain(typed);
    expect(afterOrder.renderedFromVersion).toBe(2);
    expect(afterOrder.revision).toBeGreaterThan(first.revision);

    // A new site list from the spreadsheet.
    const csv =
      'Référence;Nom;Adresse;Code postal;Ville;Rôle;Contact\n' +
      'SU1020009;Agence de Cavaillon;12 cours Gambetta;84300;Cavaillon;principal;ct-1\n';
    const imported = await t.request(t.adminKey, {
      method: 'POST',
      url: `/v1/projects/${ref}/sites/import`,
      payload: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.statusCode, imported.body).toBe(200);
    await t.settle();
    expect((await view(id)).content.text).toContain('Cavaillon');

    // The RAC changes how she signs.
    const signed = await api('PUT', `/v1/racs/${fixture.rac.id}`, { displayName: 'Léa Laurent-Martin' });
    expect(signed.statusCode, signed.body).toBe(200);
    await t.settle();
    const afterProfile = await view(id);
    expect(afterProfile.content.text).toContain('Léa Laurent-Martin');
    expect(afterProfile.blocks.personalMessage).toBe(typed);
    const events = (await t.request(t.adminKey, { method: 'GET', url: `/v1/projects/${ref}/history?limit=500` })).json()
      .events as { type: string }[];
    expect(events.filter((e) => e.type === 'message.rerendered').length).toBeGreaterThanOrEqual(3);
  });

  it('answers 412 to a change based on a revision that is no longer the message’s', async () => {
    const id = await welcome();
    const read = await view(id);
    const ok = await api(
      'PATCH',
      `/v1/messages/${id}`,
      { blocks: { personalMessage: 'Première version.' } },
      {
        'if-match': `"${read.revision}"`,
      },
    );
    expect(ok.statusCode, ok.body).toBe(200);
    const stale = await api(
      'PATCH',
      `/v1/messages/${id}`,
      { blocks: { personalMessage: 'Seconde version.' } },
      {
        'if-match': `"${read.revision}"`,
      },
    );
    expect(stale.statusCode).toBe(412);
    expect(stale.json().error).toMatchObject({ code: 'stale_revision', details: { revision: read.revision + 1 } });
    const send = await api('POST', `/v1/messages/${id}/send`, undefined, { 'if-match': String(read.revision) });
    expect(send.statusCode).toBe(412);
    const byField = await api('PATCH', `/v1/messages/${id}`, { blocks: { personalMessage: 'x' }, revision: 1 });
    expect(byField.statusCode).toBe(412);
    expect((await view(id)).blocks.personalMessage).toBe('Première version.');
    const bad = await api('PATCH', `/v1/messages/${id}`, { blocks: { personalMessage: 'x' } }, { 'if-match': 'soon' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('headers.if-match');
  });

  it('refuses a second welcome mail while one waits, naming it, unless asked to replace it', async () => {
    const id = await welcome();
    const second = await api('POST', '/v1/messages', { projectRef: ref, template: 'accuse-reception' });
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toMatchObject({ code: 'draft_exists', details: { messageId: id } });
    const replacing = await api('POST', '/v1/messages', {
      projectRef: ref,
      template: 'accuse-reception',
      draft: true,
      replaceDraft: true,
    });
    expect(replacing.statusCode, replacing.body).toBe(201);
    expect((await view(id)).status).toBe('cancelled');
  });

  it('withdraws the prepared RLE recap when the RLE date is removed', async () => {
    await api('PATCH', `/v1/projects/${ref}/milestones`, { rle: { actual: '2026-05-22' } });
    await t.settle();
    const recap = (
      (await t.deps.db.execute(
        sql`select id from messages where project_ref = ${ref} and template_key = 'rle-recap' and status = 'draft'`,
      )) as unknown as { rows: { id: string }[] }
    ).rows[0]!.id;
    await api('PATCH', `/v1/projects/${ref}/milestones`, { rle: { actual: null } });
    await t.settle();
    expect((await view(recap)).status).toBe('cancelled');
  });

  it('sends 245 of 250 notices in one call and refuses the 5 read at a stale revision, with the reason', async () => {
    const data = { kind: 'access', windowStart: '2027-03-16T08:00:00+01:00', windowEnd: '2027-03-16T12:00:00+01:00' };
    const ids: string[] = [];
    for (let i = 0; i < 250; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, () =>
          api('POST', '/v1/messages', { projectRef: ref, template: 'avis-intervention', draft: true, data }),
        ),
      );
      for (const response of batch) {
        expect(response.statusCode, response.body).toBe(201);
        ids.push(response.json().id as string);
      }
    }
    const read = ids.map((id) => ({ id, revision: 1 }));
    // Five were changed by someone else after the RAC read them.
    for (const id of ids.slice(0, 5))
      await api('PATCH', `/v1/messages/${id}`, { blocks: { personalMessage: 'Modifié.' } });
    const started = Date.now();
    const bulk = await api('POST', '/v1/messages/bulk', { action: 'send', items: read });
    const elapsed = Date.now() - started;
    expect(bulk.statusCode, bulk.body).toBe(200);
    const body = bulk.json() as {
      done: number;
      refused: number;
      results: { id: string; ok: boolean; error?: { status: number } }[];
    };
    expect(body).toMatchObject({ done: 245, refused: 5 });
    expect(body.results.filter((r) => !r.ok).map((r) => r.id)).toEqual(ids.slice(0, 5));
    expect(body.results.filter((r) => !r.ok).every((r) => r.error?.status === 412)).toBe(true);
    const statuses = (await t.deps.db.execute(
      sql`select status, count(*)::int as n from messages where template_key = 'avis-intervention' and project_ref = ${ref} group by status`,
    )) as unknown as { rows: { status: string; n: number }[] };
    expect(Object.fromEntries(statuses.rows.map((r) => [r.status, r.n]))).toEqual({ scheduled: 245, draft: 5 });
    console.log(`bulk send of 250 notices on ${backend}: ${elapsed} ms`);

    const tooMany = await api('POST', '/v1/messages/bulk', {
      action: 'cancel',
      items: Array.from({ length: 501 }, (_, i) => ({ id: ids[i % ids.length], revision: 1 })),
    });
    expect(tooMany.statusCode).toBe(400);
  });
});
