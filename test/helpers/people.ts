import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Caller } from '../../src/keys/service.js';
import type { UserInput, UserView } from '../../src/people/users.js';
import type { TestApp } from './app.js';
import type { Received } from './smtp.js';
import { waitFor } from './process.js';

/** The service acting as a national admin, without a request (so without any rate limit). */
export const SERVICE_ADMIN: Caller = { kind: 'key', id: 'test', name: 'test', role: 'admin', agency: '*', racId: null };

export const COOKIE = 'jalon_session';

export async function createPerson(
  t: TestApp,
  input: Omit<UserInput, 'invite'> & { invite?: boolean },
): Promise<UserView> {
  return t.deps.people.users.create({ invite: false, ...input }, SERVICE_ADMIN);
}

/** A session opened by the service itself, as a sign-in would: the cookie's value. */
export async function sessionOf(t: TestApp, userId: string): Promise<string> {
  const opened = await t.deps.people.signIn(userId, 'link', 'vitest');
  if (!opened) throw new Error(`${userId} cannot sign in`);
  return opened.token;
}

/** `app.inject` as a browser of this service's own pages: the cookie, and the header its pages add. */
export function asPerson(
  t: TestApp,
  token: string,
  options: { method: string; url: string; payload?: unknown; headers?: Record<string, string> },
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: options.method as 'GET',
    url: options.url,
    payload: options.payload as string,
    cookies: { [COOKIE]: token },
    headers: { 'x-jalon-csrf': '1', ...options.headers },
  });
}

/** The sign-in link of a mail read back from the SMTP sink. */
export function linkIn(received: Received): URL {
  const match = /https?:\/\/\S+\/auth\/callback\?token=[A-Za-z0-9_-]+/.exec(received.mail.text ?? '');
  expect(match, 'a sign-in link in the text part').toBeTruthy();
  return new URL(match?.[0] ?? '');
}

/**
 * What a person does with the mailed link: open it (a page with a button, which spends
 * nothing), then press « Me connecter », which posts the token from that page. The first
 * answer that is not the page is returned.
 */
export async function useLink(t: TestApp, link: URL, remoteAddress = '127.0.0.1'): Promise<LightMyRequestResponse> {
  const shown = await t.app.inject({ method: 'GET', url: `${link.pathname}${link.search}`, remoteAddress });
  if (shown.statusCode !== 200) return shown;
  const token = /name="token" value="([A-Za-z0-9_-]+)"/.exec(shown.body)?.[1];
  expect(token, 'the page posts the link token back').toBe(link.searchParams.get('token'));
  return t.app.inject({
    method: 'POST',
    url: link.pathname,
    remoteAddress,
    headers: { origin: link.origin, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token: token ?? '' }).toString(),
  });
}

/** The session cookie a response sets, with its attributes. */
export function sessionCookieOf(response: LightMyRequestResponse) {
  return response.cookies.find((cookie) => cookie.name === COOKIE || cookie.name === `__Host-${COOKIE}`);
}

/**
 * Building another instance in this process stalls the event loop for a moment, and the
 * instances already running answer 503 until their load sampling has caught up: wait for that.
 */
export async function steady(...apps: TestApp[]): Promise<void> {
  for (const t of apps) {
    await waitFor(
      async () => ((await t.app.inject({ method: 'GET', url: '/health' })).statusCode === 200 ? true : undefined),
      10_000,
    );
  }
}
