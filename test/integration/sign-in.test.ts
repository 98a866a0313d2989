import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { asPerson, createPerson, linkIn, sessionCookieOf, sessionOf, steady, useLink } from '../helpers/people.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const LEA = {
  email: 'lea.laurent@orion-telecom.example',
  displayName: 'Léa Laurent',
  role: 'rac',
  agency: 'AERM',
  racId: 'rac-laurent',
} as const;
const BASE = 'http://jalon.test:3000';

const postLink = (t: TestApp, payload: unknown, remoteAddress = '127.0.0.1') =>
  t.app.inject({ method: 'POST', url: '/auth/link', payload: payload as string, remoteAddress });

/** Asks for a link and reads it back from the SMTP sink. */
async function linkFor(t: TestApp, sink: SmtpSink, payload: { email: string; next?: string }): Promise<URL> {
  const before = sink.received.length;
  const response = await postLink(t, payload);
  expect(response.statusCode, response.body).toBe(202);
  const received = await sink.waitFor(before + 1);
  return linkIn(received[before]!);
}

const rows = <T>(result: unknown) => (result as { rows: T[] }).rows;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

describe.each(BACKENDS)('sign-in by emailed link on %s', (backend) => {
  let t: TestApp;
  let sink: SmtpSink;
  let lea: { id: string };
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp(backend, {
      EMAIL_TRANSPORT: 'smtp',
      SMTP_URL: sink.url,
      PUBLIC_BASE_URL: BASE,
      SIGN_IN_PER_ADDRESS_PER_HOUR: '1000',
      SIGN_IN_PER_EMAIL_PER_HOUR: '1000',
    });
    lea = await createPerson(t, LEA);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  it('mails a French link that opens a session once and leads to the console', async () => {
    const response = await postLink(t, { email: 'Lea.Laurent@Orion-Telecom.example' });
    expect(response.statusCode).toBe(202);
    const [received] = await sink.waitFor(1);
    const { mail, envelope } = received!;
    expect(envelope.to).toEqual([LEA.email]);
    expect(mail.subject).toBe('Votre lien de connexion à Jalon');
    expect(mail.text).toContain('Bonjour Léa Laurent,');
    expect(mail.text).toContain('valable 15\u00a0minutes');
    expect(mail.text).toContain('Orion Télécom');
    const link = linkIn(received!);
    expect(link.origin).toBe(BASE);
    expect(mail.html).toContain(link.toString().replaceAll('&', '&amp;'));

    const opened = await useLink(t, link);
    expect(opened.statusCode, opened.body).toBe(303);
    expect(opened.headers.location).toBe('/app/');
    expect(opened.headers['cache-control']).toBe('no-store');
    const cookie = sessionCookieOf(opened);
    expect(cookie).toMatchObject({ name: 'jalon_session', httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.secure).toBeFalsy();
    expect(cookie?.maxAge).toBe(168 * 3600);
    const token = cookie?.value ?? '';

    const listed = await asPerson(t, token, { method: 'GET', url: '/v1/sessions' });
    expect(listed.statusCode, listed.body).toBe(200);
    expect((listed.json() as { sessions: unknown[] }).sessions).toEqual([
      expect.objectContaining({ method: 'link', current: true }),
    ]);
    expect((await asPerson(t, token, { method: 'GET', url: '/v1/templates' })).statusCode).toBe(200);

    // Used once: the same link opens nothing the second time.
    const again = await useLink(t, link);
    expect(again.statusCode).toBe(400);
    expect(again.headers['content-type']).toMatch(/^text\/html/);
    expect(again.body).toContain('Ce lien de connexion ne fonctionne plus');
    expect(sessionCookieOf(again)).toBeUndefined();

    // Only hashes are stored, and neither secret reaches the logs.
    const linkToken = link.searchParams.get('token') ?? '';
    const stored = JSON.stringify([
      await t.deps.db.execute(sql`select * from sign_in_links`),
      await t.deps.db.execute(sql`select * from sessions`),
    ]);
    expect(stored).not.toContain(linkToken);
    expect(stored).not.toContain(token);
    const logs = readdirSync(inject('logDir'))
      .map((file) => readFileSync(join(inject('logDir'), file), 'utf8'))
      .join('\n');
    expect(logs).not.toContain(linkToken);
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(LEA.email);
  });

  it('spends nothing when the link is only opened, as mail security gateways do, and signs in from its own page only', async () => {
    const link = await linkFor(t, sink, { email: LEA.email });
    for (let i = 0; i < 3; i++) {
      const scanned = await t.app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
      expect(scanned.statusCode).toBe(200);
      expect(scanned.headers['content-type']).toMatch(/^text\/html/);
      expect(scanned.headers['referrer-policy']).toBe('same-origin');
      expect(scanned.body).toContain('Me connecter');
      expect(sessionCookieOf(scanned)).toBeUndefined();
    }
    const form = (origin?: string) =>
      t.app.inject({
        method: 'POST',
        url: '/auth/callback',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) },
        payload: new URLSearchParams({ token: link.searchParams.get('token') ?? '' }).toString(),
      });
    for (const foreign of [await form('https://evil.example'), await form()]) {
      expect(foreign.statusCode).toBe(403);
      expect(foreign.body).toContain('ne venait pas de Jalon');
      expect(sessionCookieOf(foreign)).toBeUndefined();
    }
    const signedIn = await useLink(t, link);
    expect(signedIn.statusCode, signedIn.body).toBe(303);
    expect(sessionCookieOf(signedIn)?.value).toEqual(expect.any(String));
  });

  it('goes to a path of this service after signing in, never to another origin', async () => {
    const link = await linkFor(t, sink, { email: LEA.email, next: '/app/commandes?rac=me' });
    expect((await useLink(t, link)).headers.location).toBe('/app/commandes?rac=me');
    for (const next of ['//evil.example/app/', 'https://evil.example/', '/\\evil.example', 'app/', '/app/\n']) {
      const refused = await postLink(t, { email: LEA.email, next });
      expect(refused.statusCode, next).toBe(400);
      expect((refused.json() as { error: { message: string } }).error.message).toMatch(/^body\.next: /);
    }
  });

  it('answers the same, in similar time, for known, unknown and deactivated addresses', async () => {
    const gone = await createPerson(t, {
      email: 'ancien@orion-telecom.example',
      displayName: 'Ancien',
      role: 'planner',
      agency: 'AERM',
    });
    await t.deps.people.users.deactivate(gone.id, {
      kind: 'key',
      id: 'x',
      name: 'x',
      role: 'admin',
      agency: '*',
      racId: null,
    });
    await t.deps.people.links.settle();
    const before = sink.received.length;
    const shape = (response: Awaited<ReturnType<typeof postLink>>) => ({
      status: response.statusCode,
      body: response.body,
      headers: Object.keys(response.headers).sort(),
    });
    const known = await postLink(t, { email: LEA.email });
    const unknown = await postLink(t, { email: 'personne@orion-telecom.example' });
    const deactivated = await postLink(t, { email: gone.email });
    expect(shape(unknown)).toEqual(shape(known));
    expect(shape(deactivated)).toEqual(shape(known));

    const times = { known: [] as number[], unknown: [] as number[] };
    for (let round = 0; round < 15; round++) {
      for (const which of ['known', 'unknown'] as const) {
        const started = process.hrtime.bigint();
        const response = await postLink(t, { email: which === 'known' ? LEA.email : `inconnu${round}@example.com` });
        times[which].push(Number(process.hrtime.bigint() - started) / 1e6);
        expect(response.statusCode).toBe(202);
      }
    }
    const [knownMs, unknownMs] = [median(times.known), median(times.unknown)];
    // The answer leaves before any lookup: the same work either way, so only noise apart.
    expect(Math.abs(knownMs - unknownMs), `medians ${knownMs.toFixed(2)} and ${unknownMs.toFixed(2)} ms`).toBeLessThan(
      Math.max(5, knownMs),
    );

    await t.deps.people.links.settle();
    const sent = sink.received.slice(before);
    // Only the known, active person got mail: 1 + 15 links.
    expect(sent.map((r) => r.envelope.to)).toEqual(Array(16).fill([LEA.email]));
  });

  it('signs out, and a session-cookie write needs the header of the service pages', async () => {
    const token = await sessionOf(t, lea.id);
    // No header, or another origin: refused, and still signed in.
    const bare = await t.app.inject({ method: 'POST', url: '/auth/logout', cookies: { jalon_session: token } });
    expect(bare.statusCode).toBe(403);
    expect((bare.json() as { error: { code: string } }).error.code).toBe('csrf');
    const foreign = await asPerson(t, token, {
      method: 'POST',
      url: '/auth/logout',
      headers: { origin: 'http://evil.example' },
    });
    expect(foreign.statusCode).toBe(403);
    expect((await asPerson(t, token, { method: 'GET', url: '/v1/sessions' })).statusCode).toBe(200);

    const out = await asPerson(t, token, { method: 'POST', url: '/auth/logout', headers: { origin: BASE } });
    expect(out.statusCode, out.body).toBe(204);
    const cleared = sessionCookieOf(out);
    expect(cleared?.value).toBe('');
    const after = await asPerson(t, token, { method: 'GET', url: '/v1/sessions' });
    expect(after.statusCode).toBe(401);
  });

  it('lists my sessions and ends one of them, never another person’s', async () => {
    const other = await createPerson(t, {
      email: 'paul.martin@orion-telecom.example',
      displayName: 'Paul Martin',
      role: 'manager',
      agency: 'AERM',
    });
    const [first, second] = [await sessionOf(t, lea.id), await sessionOf(t, lea.id)];
    const paul = await sessionOf(t, other.id);
    const listed = (await asPerson(t, first, { method: 'GET', url: '/v1/sessions' })).json() as {
      sessions: { id: string; current: boolean }[];
    };
    const current = listed.sessions.find((s) => s.current);
    const secondId = listed.sessions.find((s) => !s.current)?.id ?? '';
    expect(current).toBeDefined();
    const paulsId = (
      (await asPerson(t, paul, { method: 'GET', url: '/v1/sessions' })).json() as {
        sessions: { id: string }[];
      }
    ).sessions[0]?.id;

    expect((await asPerson(t, first, { method: 'DELETE', url: `/v1/sessions/${paulsId}` })).statusCode).toBe(404);
    expect((await asPerson(t, paul, { method: 'GET', url: '/v1/sessions' })).statusCode).toBe(200);
    const ended = await asPerson(t, first, { method: 'DELETE', url: `/v1/sessions/${secondId}` });
    expect(ended.statusCode, ended.body).toBe(204);
    expect((await asPerson(t, second, { method: 'GET', url: '/v1/sessions' })).statusCode).toBe(401);
    expect((await asPerson(t, first, { method: 'GET', url: '/v1/sessions' })).statusCode).toBe(200);
    // An API key has no sessions.
    expect((await t.request(t.adminKey, { method: 'GET', url: '/v1/sessions' })).statusCode).toBe(403);
  });

  it('deactivating a person ends every session and pending link at once; a role change applies at once', async () => {
    const sam = await createPerson(t, {
      email: 'sam.petit@orion-telecom.example',
      displayName: 'Sam Petit',
      role: 'admin',
      agency: 'AERM',
    });
    const sessions = [await sessionOf(t, sam.id), await sessionOf(t, sam.id)];
    const pending = await linkFor(t, sink, { email: sam.email });
    expect((await asPerson(t, sessions[0]!, { method: 'GET', url: '/v1/users' })).statusCode).toBe(200);

    const demoted = await t.request(t.adminKey, {
      method: 'PATCH',
      url: `/v1/users/${sam.id}`,
      payload: { role: 'manager' },
    });
    expect(demoted.statusCode, demoted.body).toBe(200);
    expect((await asPerson(t, sessions[0]!, { method: 'GET', url: '/v1/users' })).statusCode).toBe(403);

    const removed = await t.request(t.adminKey, { method: 'DELETE', url: `/v1/users/${sam.id}` });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json()).toMatchObject({ active: false, deactivatedAt: expect.any(String) });
    for (const token of sessions) {
      expect((await asPerson(t, token, { method: 'GET', url: '/v1/templates' })).statusCode).toBe(401);
    }
    expect((await useLink(t, pending)).statusCode).toBe(400);
    const [{ open: stillOpen } = { open: -1 }] = rows<{ open: number }>(
      await t.deps.db.execute(
        sql`select count(*)::int as open from sessions where user_id = ${sam.id} and revoked_at is null`,
      ),
    );
    expect(stillOpen).toBe(0);
  });
});

describe('expiry on postgres', () => {
  const ENV = { SESSION_IDLE_MINUTES: '30', SESSION_MAX_HOURS: '1' };
  const apps: TestApp[] = [];
  let sink: SmtpSink;
  /** Another instance of the service on the same database whose clock is `minutes` ahead. */
  const later = async (minutes: number) => {
    const app = await createTestApp('postgres', {
      ...ENV,
      DATABASE_URL: apps[0]?.deps.config.DATABASE_URL ?? '',
      CLOCK_OFFSET_MS: String(Math.round(minutes * 60_000)),
    });
    apps.push(app);
    await steady(...apps);
    return app;
  };
  beforeAll(async () => {
    sink = await startSmtpSink();
    apps.push(await createTestApp('postgres', { ...ENV, EMAIL_TRANSPORT: 'smtp', SMTP_URL: sink.url }));
  });
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await sink?.close();
  });

  it('a link works for 15 minutes and not after', async () => {
    const [now] = apps;
    const person = await createPerson(now!, { ...LEA });
    const link = await linkFor(now!, sink, { email: person.email });
    const [row] = rows<{ ttl: number }>(
      await now!.deps.db.execute(
        sql`select extract(epoch from expires_at - created_at)::int as ttl from sign_in_links`,
      ),
    );
    expect(row?.ttl).toBe(900);
    expect((await useLink(await later(15.05), link)).statusCode).toBe(400);
    // Refused as expired, not spent: the same link still works within its 15 minutes.
    expect((await useLink(await later(14.9), link)).statusCode).toBe(303);
  });

  it('a session ends after 30 idle minutes, and after 1 hour however used', async () => {
    const [now] = apps;
    const person = await createPerson(now!, {
      email: 'idle@orion-telecom.example',
      displayName: 'Inès Durand',
      role: 'manager',
      agency: 'AERM',
    });
    const get = async (app: TestApp, token: string) =>
      (await asPerson(app, token, { method: 'GET', url: '/v1/sessions' })).statusCode;
    const idle = await sessionOf(now!, person.id);
    expect(await get(await later(31), idle)).toBe(401);

    const busy = await sessionOf(now!, person.id);
    expect(await get(await later(25), busy)).toBe(200);
    expect(await get(await later(50), busy)).toBe(200);
    expect(await get(await later(61), busy)).toBe(401);
    expect(await get(now!, busy)).toBe(200);
  });
});

describe('sign-in limits on postgres', () => {
  let t: TestApp;
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp('postgres', {
      EMAIL_TRANSPORT: 'smtp',
      SMTP_URL: sink.url,
      SIGN_IN_PER_ADDRESS_PER_HOUR: '3',
      SIGN_IN_PER_EMAIL_PER_HOUR: '2',
      AUTH_FAILURES_PER_MINUTE: '5',
    });
    await createPerson(t, LEA);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  it('limits link requests per email, known or not, whatever the address', async () => {
    for (const email of [LEA.email, 'personne@orion-telecom.example']) {
      const statuses = [];
      for (const address of ['10.1.0.1', '10.1.0.2', '10.1.0.3']) {
        statuses.push((await postLink(t, { email }, address)).statusCode);
      }
      expect(statuses, email).toEqual([202, 202, 429]);
    }
    const limited = await postLink(t, { email: LEA.email }, '10.1.0.9');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3_000);
    expect((limited.json() as { error: { code: string } }).error.code).toBe('rate_limited');
  });

  it('limits link requests per address', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await postLink(t, { email: `n${i}@example.com` }, '10.2.0.1')).statusCode);
    expect(statuses).toEqual([202, 202, 202, 429]);
    expect((await postLink(t, { email: 'n9@example.com' }, '10.2.0.2')).statusCode).toBe(202);
  });

  it('guessed links count as failed authentications of the address', async () => {
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      const response = await t.app.inject({
        method: 'GET',
        url: `/auth/callback?token=${'A'.repeat(42)}${i}`,
        remoteAddress: '10.3.0.1',
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429, 429]);
    await t.deps.people.links.settle();
    const before = sink.received.length;
    t.deps.people.links.request(LEA.email.toUpperCase(), undefined);
    const link = linkIn((await sink.waitFor(before + 1))[before]!);
    expect((await useLink(t, link, '10.3.0.1')).statusCode).toBe(429);
    expect((await useLink(t, link, '10.3.0.2')).statusCode).toBe(303);
  });
});
