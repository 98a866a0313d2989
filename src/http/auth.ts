import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { Caller, Keys } from '../keys/service.js';
import type { Role } from '../keys/service.js';
import { assertRole } from '../keys/scope.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

const TOUCH_INTERVAL_MS = 60_000;

/**
 * Bearer API keys on every route of the scope it is registered in. Runs on `onRequest` so
 * that the rate limiter (on `preHandler`) can count per key rather than per address.
 */
export function registerAuth(app: FastifyInstance, keys: Keys): void {
  // Writing last_used_at on every request would turn reads into writes; once a minute is enough.
  const touched = new Map<string, number>();
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new AppError('unauthorized', 401, 'Missing API key: send "Authorization: Bearer <key>"', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    const caller = await keys.authenticate(match[1]);
    if (!caller) {
      throw new AppError('unauthorized', 401, 'Unknown or revoked API key', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    request.caller = caller;
    const now = Date.now();
    if ((touched.get(caller.keyId) ?? 0) < now - TOUCH_INTERVAL_MS) {
      touched.set(caller.keyId, now);
      keys.touch(caller.keyId).catch((err: unknown) => request.log.warn({ err }, 'could not record key use'));
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
