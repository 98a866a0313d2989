import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Erasure } from '../../privacy/erasure.js';
import { ref } from '../../projects/fields.js';
import { callerOf } from '../auth.js';

export function privacyRoutes(erasure: Erasure): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/projects/:ref/contacts/:contactId/erase',
      {
        schema: {
          tags: ['projects'],
          summary: "Erase one contact's personal data from an order, its messages and its history",
          description:
            'For admin and integration keys within the project scope (erasure requests arrive through the order tools). ' +
            'Irreversible. Messages, statuses and counts stay; names, addresses and numbers are replaced by "[effacé]". ' +
            'Idempotent: a second call changes nothing. A later PUT of the order with new contact data stores it again.',
          params: z.object({ ref, contactId: ref }),
        },
      },
      async (request) =>
        erasure.eraseContact(request.params.ref, request.params.contactId, callerOf(request, ['admin', 'integration'])),
    );
  };
}
