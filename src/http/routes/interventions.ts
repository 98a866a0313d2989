import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { interventionInputSchema, interventionListSchema, interventionSchema } from '../../interventions/schema.js';
import type { InterventionListing } from '../../interventions/list.js';
import { agendaSchema, interventionListQuerySchema } from '../../interventions/list-schema.js';
import type { Interventions } from '../../interventions/service.js';
import { ref } from '../../projects/fields.js';
import { callerOf } from '../auth.js';

const params = z.object({ ref, id: ref });
const orderParams = z.object({ ref });
const tags = ['interventions'];
const PLANNERS = ['integration', 'rac', 'planner', 'admin'] as const;

export function interventionRoutes(interventions: Interventions, list: InterventionListing): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/interventions',
      {
        schema: {
          tags,
          summary: "The visits of the orders the caller may see, earliest first: an agency's or a RAC's agenda",
          description:
            'A planner or a manager reads its agency, a RAC its own orders, a national key every agency. ' +
            '`from` and `to` are days in Europe/Paris, both included. Pages follow `nextCursor` (null on the ' +
            "last page); a filter outside the caller's scope is refused with 403.",
          querystring: interventionListQuerySchema,
          response: { 200: agendaSchema },
        },
      },
      async (request) => list(request.query, callerOf(request)),
    );
    app.get(
      '/projects/:ref/interventions',
      {
        schema: {
          tags,
          summary: "An order's visits, earliest first, each with the messages it owns",
          params: orderParams,
          response: { 200: interventionListSchema },
        },
      },
      async (request) => interventions.list(request.params.ref, callerOf(request)),
    );
    app.get(
      '/projects/:ref/interventions/:id',
      {
        schema: {
          tags,
          summary: 'A visit, with the messages it owns',
          params,
          response: { 200: interventionSchema },
        },
      },
      async (request) => interventions.get(request.params.ref, request.params.id, callerOf(request)),
    );
    app.put(
      '/projects/:ref/interventions/:id',
      {
        schema: {
          tags,
          summary:
            'Book or move a technician visit; its notice (or, once the client was told, a modification) and SMS reminder follow',
          params,
          body: interventionInputSchema,
        },
      },
      async (request, reply) => {
        const { created, intervention } = await interventions.put(
          request.params.ref,
          request.params.id,
          request.body,
          callerOf(request, PLANNERS),
        );
        return reply.status(created ? 201 : 200).send(intervention);
      },
    );
    app.delete(
      '/projects/:ref/interventions/:id',
      {
        schema: {
          tags,
          summary:
            'Cancel a visit: its pending messages are cancelled; a client already told gets a cancellation notice',
          params,
        },
      },
      async (request) => interventions.cancel(request.params.ref, request.params.id, callerOf(request, PLANNERS)),
    );
  };
}
