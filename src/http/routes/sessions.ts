import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sessionCallerOf, type Sessions } from '../../people/sessions.js';
import type { Caller } from '../../keys/service.js';
import { callerOf } from '../auth.js';

/** Who the caller is, as the console needs it to show only what the API would allow. */
export function meView(caller: Caller) {
  return {
    kind: caller.kind,
    id: caller.id,
    name: caller.name,
    role: caller.role,
    agency: caller.agency,
    racId: caller.racId,
    queueWrite: caller.queueWrite ?? false,
  };
}
export type MeView = ReturnType<typeof meView>;

const tags = ['people'];

export function sessionRoutes(sessions: Sessions): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/me',
      { schema: { tags, summary: 'Who this key or session is: name, role, agency scope and RAC' } },
      async (request) => meView(callerOf(request)),
    );

    app.get(
      '/sessions',
      { schema: { tags, summary: 'My open sessions (the one of this request says current)' } },
      async (request) => ({
        sessions: await sessions.list(sessionCallerOf(callerOf(request))),
      }),
    );

    app.delete(
      '/sessions/:id',
      { schema: { tags, summary: 'End one of my sessions', params: z.object({ id: z.uuid('a session id') }) } },
      async (request, reply) => {
        await sessions.revoke(sessionCallerOf(callerOf(request)), request.params.id);
        return reply.status(204).send();
      },
    );
  };
}
