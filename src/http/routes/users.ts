import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { People } from '../../people/index.js';
import { userInputSchema, userPatchSchema } from '../../people/users.js';
import { callerOf } from '../auth.js';

const tags = ['people'];
const params = z.object({ id: z.uuid('a person id') });

export function userRoutes(people: People): FastifyPluginAsyncZod {
  const { users, links } = people;
  return async (app) => {
    app.post(
      '/users',
      {
        schema: {
          tags,
          summary: 'Invite a person (mails them a first sign-in link unless invite is false)',
          body: userInputSchema,
        },
      },
      async (request, reply) => {
        const user = await users.create(request.body, callerOf(request, ['admin']));
        if (request.body.invite) links.invite(user);
        return reply.status(201).send(user);
      },
    );

    app.get(
      '/users',
      { schema: { tags, summary: 'List the people of the agency (or all, for a national admin)' } },
      async (request) => ({
        users: await users.list(callerOf(request, ['admin'])),
      }),
    );

    app.get('/users/:id', { schema: { tags, summary: 'A person', params } }, async (request) =>
      users.get(request.params.id, callerOf(request, ['admin'])),
    );

    app.patch(
      '/users/:id',
      {
        schema: {
          tags,
          summary: 'Change a person; active: false deactivates and signs them out everywhere',
          params,
          body: userPatchSchema,
        },
      },
      async (request) => users.update(request.params.id, request.body, callerOf(request, ['admin'])),
    );

    app.delete(
      '/users/:id',
      { schema: { tags, summary: 'Deactivate a person: their sessions end at once; their history stays', params } },
      async (request) => users.deactivate(request.params.id, callerOf(request, ['admin'])),
    );
  };
}
