import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import { AppError } from '../errors.js';
import type { AttemptLimiter } from '../keys/attempts.js';
import type { Caller, Keys, Role } from '../keys/service.js';
import { assertRole } from '../keys/scope.js';
import type { Sessions } from '../people/sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

const TOUCH_INTERVAL_MS = 60_000;
/** What a page of this service adds to every write; a cross-site form or image cannot. */
export const CSRF_HEADER = 'x-jalon-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session cookie: `__Host-` and Secure over https, so no other site or subdomain can set it. */
export function sessionCookie(publicBaseUrl: string) {
  const secure = new URL(publicBaseUrl).protocol === 'https:';
  return {
    name: secure ? '__Host-jalon_session' : 'jalon_session',
    options: { path: '/', httpOnly: true, sameSite: 'lax' as const, secure },
  };
}

export interface AuthOptions {
  keys: Keys;
  sessions: Sessions;
  /** Failed authentications per client address; past the limit every attempt gets 429. */
  failures: AttemptLimiter;
  publicBaseUrl: string;
}

const unauthorized = (message: string) =>
  new AppError('unauthorized', 401, message, { headers: { 'www-authenticate': 'Bearer' } });

/** A 429 for an address that failed too often; the one wording for keys, sessions and links. */
export function tooManyFailures(retryAfter: number): AppError {
  return new AppError(
    'rate_limited',
    429,
    `Too many failed authentications from this address; retry in ${retryAfter} s`,
    {
      headers: { 'retry-after': String(retryAfter) },
    },
  );
}

/** Whether a browser says the request comes from a page of another origin or site. */
function fromElsewhere(request: FastifyRequest, publicBaseUrl: string): boolean {
  const origin = request.headers.origin;
  const own = [new URL(publicBaseUrl).origin, `${request.protocol}://${request.host}`];
  return (origin !== undefined && !own.includes(origin)) || request.headers['sec-fetch-site'] === 'cross-site';
}

/**
 * A write that a browser sends with its cookie must come from this service's own pages: it
 * carries the custom header (which another origin cannot add without a CORS preflight, and
 * none is ever granted) and, when the browser says where it comes from, this origin.
 */
export function assertSameOrigin(request: FastifyRequest, publicBaseUrl: string): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (fromElsewhere(request, publicBaseUrl) || !request.headers[CSRF_HEADER]) {
    throw new AppError(
      'csrf',
      403,
      `A write with a session cookie must come from this service's pages with the ${CSRF_HEADER} header`,
    );
  }
}

/**
 * A plain HTML form of this service (no script, so no custom header): the browser must say
 * where it was posted from (Origin, or Sec-Fetch-Site), and it must be this origin. Keeps
 * another site from signing a visitor in under the other site's own link.
 */
export function postedFromOwnPage(request: FastifyRequest, publicBaseUrl: string): boolean {
  const said = request.headers.origin !== undefined || request.headers['sec-fetch-site'] !== undefined;
  return said && !fromElsewhere(request, publicBaseUrl);
}

/**
 * Bearer API keys, or a person's session cookie, on every route of the scope it is
 * registered in. Runs on `onRequest` so that the rate limiter (on `preHandler`) can count
 * per key or person rather than per address.
 */
export function registerAuth(app: FastifyInstance, { keys, sessions, failures, publicBaseUrl }: AuthOptions): void {
  // Writing last_used_at on every request would turn reads into writes; once a minute is enough.
  const touched = new Map<string, number>();
  const cookie = sessionCookie(publicBaseUrl);
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request) => {
    // An address that keeps failing is refused before its key is even looked at: otherwise a
    // brute force would still learn, from the one 200 among the 429s, which guess was right.
    const wait = failures.retryAfter(request.ip);
    if (wait > 0) throw tooManyFailures(wait);
    const header = request.headers.authorization;
    const session = request.cookies[cookie.name];
    if (header || !session) {
      const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match?.[1]) throw unauthorized('Missing API key: send "Authorization: Bearer <key>", or sign in');
      const caller = await keys.authenticate(match[1]);
      if (!caller) {
        failures.hit(request.ip);
        throw unauthorized('Unknown or revoked API key');
      }
      request.caller = caller;
      const now = Date.now();
      if ((touched.get(caller.id) ?? 0) < now - TOUCH_INTERVAL_MS) {
        touched.set(caller.id, now);
        keys.touch(caller.id).catch((err: unknown) => request.log.warn({ err }, 'could not record key use'));
      }
      return;
    }
    const caller = await sessions.authenticate(session);
    if (!caller) {
      failures.hit(request.ip);
      throw unauthorized('Session ended or unknown: sign in again');
    }
    assertSameOrigin(request, publicBaseUrl);
    request.caller = caller;
  });
}

/** The authenticated caller, checked against the roles a route admits. */
export function callerOf(request: FastifyRequest, roles?: readonly Role[]): Caller {
  const caller = request.caller;
  if (!caller) throw new AppError('unauthorized', 401, 'Missing API key');
  if (roles) assertRole(caller, roles);
  return caller;
}

export function setSessionCookie(reply: FastifyReply, publicBaseUrl: string, token: string, maxAgeMs: number): void {
  const { name, options } = sessionCookie(publicBaseUrl);
  void reply.setCookie(name, token, { ...options, maxAge: Math.floor(maxAgeMs / 1000) });
}

export function clearSessionCookie(reply: FastifyReply, publicBaseUrl: string): void {
  const { name, options } = sessionCookie(publicBaseUrl);
  void reply.clearCookie(name, options);
}
