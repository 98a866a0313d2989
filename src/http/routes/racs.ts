import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { ref } from '../../projects/fields.js';
import { racProfileInputSchema, type Racs } from '../../racs/service.js';
import { callerOf } from '../auth.js';

const params = z.object({ id: ref });

export function racRoutes(racs: Racs): FastifyPluginAsyncZod {
  return async (app) => {
    app.put(
      '/racs/:id',
      {
        schema: { tags: ['racs'], summary: 'Set how a RAC signs their messages', params, body: racProfileInputSchema },
      },
      async (request) => {
        const caller = callerOf(request, ['admin', 'integration', 'rac']);
        if (caller.role === 'rac' && caller.racId !== request.params.id) {
          throw new AppError('forbidden', 403, `This key acts for RAC ${caller.racId ?? '?'} only`);
        }
        return racs.put(request.params.id, request.body);
      },
    );
    app.get(
      '/racs/:id',
      { schema: { tags: ['racs'], summary: "A RAC's signature profile", params } },
      async (request) => {
        callerOf(request);
        return racs.get(request.params.id);
      },
    );
  };
}
