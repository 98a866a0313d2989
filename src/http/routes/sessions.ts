import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sessionCallerOf, type Sessions } from '../../people/sessions.js';
import { callerOf } from '../auth.js';

const tags = ['people'];

export function sessionRoutes(sessions: Sessions): FastifyPluginAsyncZod {
  return async (app) => {
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
