import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { AttemptLimiter } from '../keys/attempts.js';
import type { Caller, Keys, Role } from '../keys/service.js';
import { assertRole } from '../keys/scope.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

const TOUCH_INTERVAL_MS = 60_000;

export interface AuthOptions {
  keys: Keys;
  /** Failed authentications per client address; past the limit every attempt gets 429. */
  failures: AttemptLimiter;
}

const unauthorized = (message: string) =>
  new AppError('unauthorized', 401, message, { headers: { 'www-authenticate': 'Bearer' } });

/** A 429 for an address that failed too often; the one wording for keys, sessions and links. */
export function tooManyFailures(retryAfter: number): AppError {
  return new AppError(
    'rate_limited',
    429,
    `Too many failed authentications from this address; retry in ${retryAfter} s`,
    { headers: { 'retry-after': String(retryAfter) } },
  );
}

/**
 * Bearer API keys on every route of the scope it is registered in. Runs on `onRequest` so
 * that the rate limiter (on `preHandler`) can count per key rather than per address.
 */
export function registerAuth(app: FastifyInstance, { keys, failures }: AuthOptions): void {
  // Writing last_used_at on every request would turn reads into writes; once a minute is enough.
  const touched = new Map<string, number>();
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request) => {
    // An address that keeps failing is refused before its key is even looked at: otherwise a
    // brute force would still learn, from the one 200 among the 429s, which guess was right.
    const wait = failures.retryAfter(request.ip);
    if (wait > 0) throw tooManyFailures(wait);
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) throw unauthorized('Missing API key: send "Authorization: Bearer <key>"');
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
  });
}

/** The authenticated caller, checked against the roles a route admits. */
export function callerOf(request: FastifyRequest, roles?: readonly Role[]): Caller {
  const caller = request.caller;
  if (!caller) throw new AppError('unauthorized', 401, 'Missing API key');
  if (roles) assertRole(caller, roles);
  return caller;
}
