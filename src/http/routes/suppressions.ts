import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { suppressionQuerySchema, type Suppressions } from '../../suppressions/service.js';
import { callerOf } from '../auth.js';

const params = z.object({ id: z.uuid({ error: 'a suppression id (UUID)' }) });
const tags = ['suppressions'];
const MANAGERS = ['admin', 'manager'] as const;

/** Addresses and numbers Jalon no longer writes to: admins and managers list and lift them. */
export function suppressionRoutes(suppressions: Suppressions): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/suppressions',
      {
        schema: {
          tags,
          summary: 'Suppressed addresses and numbers of the caller’s agency, newest first, with why',
          querystring: suppressionQuerySchema,
        },
      },
      async (request) => suppressions.list(request.query, callerOf(request, MANAGERS)),
    );

    app.delete(
      '/suppressions/:id',
      {
        schema: {
          tags,
          summary: 'Lift a suppression: messages it held go back to review, or out when they were to go unreviewed',
          params,
          querystring: z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }),
        },
      },
      async (request) => suppressions.lift(request.params.id, callerOf(request, MANAGERS), request.query.reason),
    );
  };
}
