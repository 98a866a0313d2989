import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { loadFixture } from '../helpers/fixtures.js';
import { asPerson, createPerson, linkIn, useLink, sessionOf } from '../helpers/people.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const PROJECT = loadFixture('CMD-2026-000101');
const rows = <T>(result: unknown) => (result as { rows: T[] }).rows;

describe.each(BACKENDS)('people on %s', (backend) => {
  let t: TestApp;
  let sink: SmtpSink;
  let adminAERM: string;
  const count = async () =>
    rows<{ n: number }>(await t.deps.db.execute(sql`select count(*)::int as n from users`))[0]?.n ?? -1;
  const post = (key: string, payload: unknown) => t.request(key, { method: 'POST', url: '/v1/users', payload });

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp(backend, { EMAIL_TRANSPORT: 'smtp', SMTP_URL: sink.url });
    adminAERM = await t.key({ name: 'admin AERM', role: 'admin', agency: 'AERM' });
    const created = await t.request(t.adminKey, {
      method: 'PUT',
      url: `/v1/projects/${PROJECT.orderNumber}`,
      payload: PROJECT,
    });
    expect(created.statusCode, created.body).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  it('an admin invites a person, who receives a first sign-in link by mail', async () => {
    const response = await post(adminAERM, {
      email: 'Chloe.Bernard@Orion-Telecom.example',
      displayName: 'Chloé Bernard',
      role: 'planner',
      agency: 'AERM',
    });
    expect(response.statusCode, response.body).toBe(201);
    const user = response.json() as Record<string, unknown>;
    expect(user).toMatchObject({
      id: expect.any(String),
      email: 'chloe.bernard@orion-telecom.example',
      displayName: 'Chloé Bernard',
      role: 'planner',
      agency: 'AERM',
      racId: null,
      active: true,
      deactivatedAt: null,
      lastSignInAt: null,
    });
    const [received] = await sink.waitFor(1);
    expect(received?.envelope.to).toEqual(['chloe.bernard@orion-telecom.example']);
    expect(received?.mail.subject).toBe('Votre accès à Jalon');
    expect(received?.mail.text).toContain('vient de vous être ouvert');
    const opened = await useLink(t, linkIn(received!));
    expect(opened.statusCode).toBe(303);
    const read = await t.request(adminAERM, { method: 'GET', url: `/v1/users/${String(user.id)}` });
    expect((read.json() as { lastSignInAt: string | null }).lastSignInAt).toEqual(expect.any(String));
  });

  it('refuses bad input and duplicates by naming the field, writing nothing and naming nobody', async () => {
    const before = await count();
    const cases: [unknown, string][] = [
      [{ email: 'pas-un-mail', displayName: 'X', role: 'manager', agency: 'AERM' }, 'body.email'],
      [{ email: 'a@b.example', displayName: ' ', role: 'manager', agency: 'AERM' }, 'body.displayName'],
      [{ email: 'a@b.example', displayName: 'X', role: 'integration', agency: 'AERM' }, 'body.role'],
      [{ email: 'a@b.example', displayName: 'X', role: 'manager', agency: 'aerm' }, 'body.agency'],
      [{ email: 'a@b.example', displayName: 'X', role: 'rac', agency: 'AERM' }, 'body.racId'],
      [{ email: 'a@b.example', displayName: 'X', role: 'manager', agency: 'AERM', racId: 'rac-x' }, 'body.racId'],
      [{ email: 'a@b.example', displayName: 'X', role: 'manager', agency: 'AERM', extra: 1 }, 'body.extra'],
      [{ email: 'a@b.example', displayName: 'A\u0000B', role: 'manager', agency: 'AERM' }, 'body.displayName'],
    ];
    for (const [payload, path] of cases) {
      const response = await post(t.adminKey, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      const { error } = response.json() as { error: { details: { path: string }[] } };
      expect(error.details.map((d) => d.path)).toContain(path);
    }
    await createPerson(t, {
      email: 'double@orion-telecom.example',
      displayName: 'Double',
      role: 'manager',
      agency: 'AERM',
    });
    const duplicate = await post(t.adminKey, {
      email: 'DOUBLE@orion-telecom.example',
      displayName: 'Autre',
      role: 'manager',
      agency: 'AERM',
    });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.body).not.toContain('double@');
    expect(await count()).toBe(before + 1);
  });

  it('one active person per RAC id; leaving the rac role unbinds it', async () => {
    const first = await createPerson(t, {
      email: 'r1@orion-telecom.example',
      displayName: 'R Un',
      role: 'rac',
      agency: 'AERM',
      racId: 'rac-un',
    });
    const second = {
      email: 'r2@orion-telecom.example',
      displayName: 'R Deux',
      role: 'rac',
      agency: 'AERM',
      racId: 'rac-un',
      invite: false,
    };
    expect((await post(t.adminKey, second)).statusCode).toBe(409);
    expect((await t.request(t.adminKey, { method: 'DELETE', url: `/v1/users/${first.id}` })).statusCode).toBe(200);
    const taken = await post(t.adminKey, second);
    expect(taken.statusCode, taken.body).toBe(201);
    const back = await t.request(t.adminKey, {
      method: 'PATCH',
      url: `/v1/users/${first.id}`,
      payload: { active: true },
    });
    expect(back.statusCode).toBe(409);
    const moved = await t.request(t.adminKey, {
      method: 'PATCH',
      url: `/v1/users/${first.id}`,
      payload: { active: true, role: 'manager' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ role: 'manager', racId: null, active: true });
    const unbound = await t.request(t.adminKey, {
      method: 'PATCH',
      url: `/v1/users/${first.id}`,
      payload: { role: 'rac' },
    });
    expect(unbound.statusCode).toBe(400);
  });

  it('an agency admin manages the people of its agency only', async () => {
    const idf = await createPerson(t, {
      email: 'idf@orion-telecom.example',
      displayName: 'Ida Fabre',
      role: 'manager',
      agency: 'IDF',
    });
    const aerm = await createPerson(t, {
      email: 'aerm@orion-telecom.example',
      displayName: 'Aude Mercier',
      role: 'manager',
      agency: 'AERM',
    });
    const listed = (await t.request(adminAERM, { method: 'GET', url: '/v1/users' })).json() as {
      users: { agency: string }[];
    };
    expect(new Set(listed.users.map((u) => u.agency))).toEqual(new Set(['AERM']));
    for (const request of [
      { method: 'GET', url: `/v1/users/${idf.id}` },
      { method: 'PATCH', url: `/v1/users/${idf.id}`, payload: { displayName: 'X' } },
      { method: 'DELETE', url: `/v1/users/${idf.id}` },
      { method: 'PATCH', url: `/v1/users/${aerm.id}`, payload: { agency: 'IDF' } },
      {
        method: 'POST',
        url: '/v1/users',
        payload: { email: 'n@o.example', displayName: 'N', role: 'admin', agency: '*' },
      },
    ]) {
      expect((await t.request(adminAERM, request)).statusCode, `${request.method} ${request.url}`).toBe(403);
    }
    const national = await t.request(t.adminKey, { method: 'GET', url: `/v1/users/${idf.id}` });
    expect(national.json()).toMatchObject({ displayName: 'Ida Fabre', active: true });
  });

  it('what a person does is recorded in the history under their name', async () => {
    const rac = await createPerson(t, {
      email: 'baptiste.roux@orion-telecom.example',
      displayName: 'Baptiste Roux',
      role: 'rac',
      agency: PROJECT.agency,
      racId: PROJECT.rac.id,
    });
    const planner = await createPerson(t, {
      email: 'plan@orion-telecom.example',
      displayName: 'Pauline Planning',
      role: 'planner',
      agency: PROJECT.agency,
    });
    const url = `/v1/projects/${PROJECT.orderNumber}`;
    const patched = await asPerson(t, await sessionOf(t, rac.id), {
      method: 'PATCH',
      url: `${url}/milestones`,
      payload: { clientContact: { actual: '2026-03-03' } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const day = DateTime.now().setZone('Europe/Paris').plus({ days: 30 }).set({ weekday: 2, hour: 8 }).startOf('hour');
    const booked = await asPerson(t, await sessionOf(t, planner.id), {
      method: 'PUT',
      url: `${url}/interventions/visite-1`,
      payload: {
        siteRef: PROJECT.sites[0]?.ref,
        kind: 'access',
        windowStart: day.toISO(),
        windowEnd: day.plus({ hours: 4 }).toISO(),
      },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const actors = rows<{ actor: string; type: string }>(
      await t.deps.db.execute(
        sql`select actor, type from history_events where project_ref = ${PROJECT.orderNumber} and actor in ('Baptiste Roux', 'Pauline Planning') order by id`,
      ),
    );
    expect(actors.map((a) => a.actor)).toContain('Baptiste Roux');
    expect(actors.find((a) => a.type.startsWith('intervention'))?.actor).toBe('Pauline Planning');
  });
});
