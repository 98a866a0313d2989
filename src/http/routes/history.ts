import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { History } from '../../history/service.js';
import { timelineQuerySchema } from '../../history/timeline.js';
import { ref } from '../../projects/fields.js';
import { callerOf } from '../auth.js';

export function historyRoutes(history: History): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/projects/:ref/history',
      {
        schema: {
          tags: ['projects'],
          summary: 'The contact timeline of a project: every event, oldest first, with its message',
          description:
            'Any role within the project scope. Pages follow `nextCursor`; the order is the order of recording and never changes. ' +
            'Each message event names its channel, template, recipients, actor and on whose behalf, and links to the message ' +
            '(`include=content` adds the exact content sent).',
          params: z.object({ ref }),
          querystring: timelineQuerySchema,
        },
      },
      async (request) => history.timeline(request.params.ref, request.query, callerOf(request)),
    );
  };
}
