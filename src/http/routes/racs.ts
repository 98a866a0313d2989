import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ref } from '../../projects/fields.js';
import { racProfileInputSchema, type Racs } from '../../racs/service.js';
import { callerOf } from '../auth.js';

const params = z.object({ id: ref });

export function racRoutes(racs: Racs): FastifyPluginAsyncZod {
  return async (app) => {
    app.put(
      '/racs/:id',
      {
        schema: {
          tags: ['racs'],
          summary: "Set how a RAC signs their messages (agency: the RAC's, defaults to the key's own)",
          params,
          body: racProfileInputSchema,
        },
      },
      async (request) => racs.put(request.params.id, request.body, callerOf(request, ['admin', 'integration', 'rac'])),
    );
    app.get(
      '/racs/:id',
      { schema: { tags: ['racs'], summary: "A RAC's signature profile", params } },
      async (request) => racs.get(request.params.id, callerOf(request)),
    );
  };
}
