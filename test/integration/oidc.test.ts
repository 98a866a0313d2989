import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { asPerson, createPerson, sessionCookieOf, steady } from '../helpers/people.js';

const BASE = 'http://jalon.test:3000';
const CLIENT = { client_id: 'jalon', client_secret: 'a-long-secret-shared-with-jalon' };

/** What the identity provider knows of each account it can sign in. */
const ACCOUNTS: Record<string, { email: string; email_verified: boolean; name: string }> = {
  lea: { email: 'Lea.Laurent@orion-telecom.example', email_verified: true, name: 'Léa Laurent' },
  nouveau: { email: 'nouveau.venu@orion-telecom.example', email_verified: true, name: 'Nouveau Venu' },
  douteux: { email: 'douteux@orion-telecom.example', email_verified: false, name: 'Douteux' },
  parti: { email: 'parti@orion-telecom.example', email_verified: true, name: 'Parti' },
};

/** A real OpenID provider (oidc-provider) on a free local port, with its development login pages. */
async function startProvider(): Promise<{ issuer: string; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        ...CLIENT,
        redirect_uris: [`${BASE}/auth/oidc/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx, id) => {
      const account = ACCOUNTS[id];
      return account ? { accountId: id, claims: () => ({ sub: id, ...account }) } : undefined;
    },
    cookies: { keys: ['a-cookie-signing-key-for-the-test-provider'] },
    jwks: {
      keys: [
        { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), use: 'sig' },
      ],
    },
    features: { devInteractions: { enabled: true } },
  });
  const callback = provider.callback();
  server.on('request', (req, res) => void callback(req, res));
  return { issuer, server };
}

/** A browser's cookie jar for the provider's origin. */
class Jar {
  private cookies = new Map<string, string>();
  store(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const [name = '', ...value] = pair.split('=');
      this.cookies.set(name.trim(), value.join('='));
    }
  }
  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * Signs in `account` at the provider as a person would (login form, then consent), following
 * redirects until the provider sends the browser back to Jalon; returns that address.
 */
async function throughProvider(authorizeUrl: string, account: string): Promise<URL> {
  const jar = new Jar();
  let url = new URL(authorizeUrl);
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 12; step++) {
    const response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
    });
    jar.store(response);
    body = undefined;
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url);
      if (url.origin === BASE) return url;
      continue;
    }
    const html = await response.text();
    expect(response.status, html).toBe(200);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '';
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    url = new URL(action, url);
    body = new URLSearchParams(
      prompt === 'login' ? { prompt, login: account, password: 'x' } : { prompt: prompt ?? '' },
    );
  }
  throw new Error('the provider never sent the browser back');
}

describe.each(BACKENDS)('single sign-on with OpenID Connect on %s', (backend) => {
  let issuer: string;
  let server: Server;
  let t: TestApp;
  const oidcEnv = () => ({
    PUBLIC_BASE_URL: BASE,
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: CLIENT.client_id,
    OIDC_CLIENT_SECRET: CLIENT.client_secret,
  });

  /** Starts at Jalon, goes through the provider, and comes back to Jalon's callback. */
  async function signIn(app: TestApp, account: string, next?: string) {
    const start = await app.app.inject({
      method: 'GET',
      url: `/auth/oidc${next ? `?next=${encodeURIComponent(next)}` : ''}`,
    });
    expect(start.statusCode, start.body).toBe(302);
    const flow = start.cookies.find((cookie) => cookie.name === 'jalon_oidc');
    expect(flow).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/auth/oidc' });
    const back = await throughProvider(String(start.headers.location), account);
    expect(back.pathname).toBe('/auth/oidc/callback');
    return app.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      cookies: { jalon_oidc: flow?.value ?? '' },
    });
  }
  const userCount = async (app: TestApp) =>
    ((await app.deps.db.execute(sql`select count(*)::int as n from users`)) as unknown as { rows: { n: number }[] })
      .rows[0]?.n;

  beforeAll(async () => {
    ({ issuer, server } = await startProvider());
    t = await createTestApp(backend, oidcEnv());
    await createPerson(t, {
      email: 'lea.laurent@orion-telecom.example',
      displayName: 'Léa Laurent',
      role: 'rac',
      agency: 'AERM',
      racId: 'rac-laurent',
    });
    const parti = await createPerson(t, {
      email: 'parti@orion-telecom.example',
      displayName: 'Parti',
      role: 'manager',
      agency: 'AERM',
    });
    await t.deps.people.users.deactivate(parti.id, {
      kind: 'key',
      id: 't',
      name: 't',
      role: 'admin',
      agency: '*',
      racId: null,
    });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('signs in a known person, matched by email, and goes where they were going', async () => {
    const back = await signIn(t, 'lea', '/app/brouillons');
    expect(back.statusCode, back.body).toBe(303);
    expect(back.headers.location).toBe('/app/brouillons');
    const token = sessionCookieOf(back)?.value ?? '';
    const sessions = await asPerson(t, token, { method: 'GET', url: '/v1/sessions' });
    expect(sessions.statusCode, sessions.body).toBe(200);
    expect((sessions.json() as { sessions: { method: string }[] }).sessions[0]?.method).toBe('oidc');
    // The same roles as any sign-in: a RAC may not manage people.
    expect((await asPerson(t, token, { method: 'GET', url: '/v1/users' })).statusCode).toBe(403);
  });

  it('refuses an unverified address, a deactivated person, and a callback this browser did not start', async () => {
    expect((await signIn(t, 'douteux')).statusCode).toBe(400);
    expect((await signIn(t, 'parti')).statusCode).toBe(403);

    const start = await t.app.inject({ method: 'GET', url: '/auth/oidc' });
    const back = await throughProvider(String(start.headers.location), 'lea');
    const forged = await t.app.inject({ method: 'GET', url: `${back.pathname}${back.search}` });
    expect(forged.statusCode).toBe(400);
    expect(sessionCookieOf(forged)).toBeUndefined();
    // Another browser's flow does not fit this answer either (state, nonce and PKCE differ).
    const other = await t.app.inject({ method: 'GET', url: '/auth/oidc' });
    const mixed = await t.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      cookies: { jalon_oidc: other.cookies.find((c) => c.name === 'jalon_oidc')?.value ?? '' },
    });
    expect(mixed.statusCode).toBe(400);
  });

  it('refuses people it does not know unless configured to create them', async () => {
    const before = await userCount(t);
    const refused = await signIn(t, 'nouveau');
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Aucun accès Jalon');
    expect(sessionCookieOf(refused)).toBeUndefined();
    expect(await userCount(t)).toBe(before);

    const open = await createTestApp(backend, {
      ...oidcEnv(),
      OIDC_CREATE_USERS: 'true',
      OIDC_DEFAULT_ROLE: 'planner',
      OIDC_DEFAULT_AGENCY: 'AERM',
    });
    await steady(open);
    try {
      const created = await signIn(open, 'nouveau');
      expect(created.statusCode, created.body).toBe(303);
      const listed = await open.request(open.adminKey, { method: 'GET', url: '/v1/users' });
      expect((listed.json() as { users: unknown[] }).users).toEqual([
        expect.objectContaining({
          email: 'nouveau.venu@orion-telecom.example',
          displayName: 'Nouveau Venu',
          role: 'planner',
          agency: 'AERM',
        }),
      ]);
      // The second time, the same person.
      expect((await signIn(open, 'nouveau')).statusCode).toBe(303);
      expect(await userCount(open)).toBe(1);
    } finally {
      await open.close();
    }
  });

  it('has no single sign-on routes when it is not configured', async () => {
    const plain = await createTestApp(backend, { PUBLIC_BASE_URL: BASE });
    try {
      await steady(plain);
      expect((await plain.app.inject({ method: 'GET', url: '/auth/oidc' })).statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
