import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { inAgency } from '../../keys/scope.js';
import { keyInputSchema, type Keys } from '../../keys/service.js';
import { callerOf } from '../auth.js';

const tags = ['keys'];

export function keyRoutes(keys: Keys): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/keys',
      { schema: { tags, summary: 'Create an API key (the key is shown in this response only)', body: keyInputSchema } },
      async (request, reply) => {
        const caller = callerOf(request, ['admin']);
        if (!inAgency(caller, request.body.agency)) {
          throw new AppError('forbidden', 403, `This key can only create keys for agency ${caller.agency}`);
        }
        return reply.status(201).send(await keys.create(request.body));
      },
    );

    app.get('/keys', { schema: { tags, summary: 'List API keys (never their secret)' } }, async (request) => {
      const caller = callerOf(request, ['admin']);
      const all = await keys.list();
      return { keys: all.filter((key) => inAgency(caller, key.agency)) };
    });

    app.delete(
      '/keys/:id',
      {
        schema: {
          tags,
          summary: 'Revoke an API key by id or visible prefix',
          params: z.object({ id: z.string().min(1).max(64) }),
        },
      },
      async (request) => {
        const caller = callerOf(request, ['admin']);
        return keys.revoke(request.params.id, (target) => {
          if (!inAgency(caller, target.agency)) {
            throw new AppError('forbidden', 403, `This key can only revoke keys of agency ${caller.agency}`);
          }
        });
      },
    );
  };
}
