import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EVENT_PATTERNS } from '../../webhooks/events.js';
import { deliveriesQuerySchema, endpointInputSchema, endpointPatchSchema } from '../../webhooks/schema.js';
import type { Webhooks } from '../../webhooks/service.js';
import { callerOf } from '../auth.js';

const params = z.object({ id: z.uuid({ error: 'a webhook endpoint id (UUID)' }) });
const tags = ['webhooks'];
const ADMIN = ['admin'] as const;

/** Outbound webhooks to the order tools: admins manage the endpoints of their agency scope. */
export function webhookEndpointRoutes(webhooks: Webhooks): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/webhooks',
      {
        schema: {
          tags,
          summary: 'Register an endpoint (its signing secret is shown in this response only)',
          description: `Events: ${EVENT_PATTERNS.join(', ')}. Deliveries are signed per the Standard Webhooks specification.`,
          body: endpointInputSchema,
        },
      },
      async (request, reply) => reply.status(201).send(await webhooks.create(request.body, callerOf(request, ADMIN))),
    );

    app.get(
      '/webhooks',
      { schema: { tags, summary: 'Endpoints within the caller’s scope (never their secret)' } },
      async (request) => webhooks.list(callerOf(request, ADMIN)),
    );

    app.get('/webhooks/:id', { schema: { tags, summary: 'One endpoint', params } }, async (request) =>
      webhooks.get(request.params.id, callerOf(request, ADMIN)),
    );

    app.patch(
      '/webhooks/:id',
      {
        schema: {
          tags,
          summary: 'Change an endpoint, pause it, or enable it again',
          params,
          body: endpointPatchSchema,
        },
      },
      async (request) => webhooks.update(request.params.id, request.body, callerOf(request, ADMIN)),
    );

    app.delete(
      '/webhooks/:id',
      { schema: { tags, summary: 'Delete an endpoint and its delivery log', params } },
      async (request) => webhooks.remove(request.params.id, callerOf(request, ADMIN)),
    );

    app.post(
      '/webhooks/:id/test',
      { schema: { tags, summary: 'Send a test event (webhook.test) to the endpoint', params } },
      async (request, reply) =>
        reply.status(202).send(await webhooks.test(request.params.id, callerOf(request, ADMIN))),
    );

    app.get(
      '/webhooks/:id/deliveries',
      {
        schema: {
          tags,
          summary: 'The delivery log of an endpoint, newest first',
          params,
          querystring: deliveriesQuerySchema,
        },
      },
      async (request) => webhooks.deliveries(request.params.id, request.query, callerOf(request, ADMIN)),
    );
  };
}
