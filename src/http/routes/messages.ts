import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Idempotency } from '../../messages/idempotency.js';
import { createMessageSchema, patchMessageSchema } from '../../messages/schema.js';
import type { Messages } from '../../messages/service.js';
import { callerOf } from '../auth.js';

const params = z.object({ id: z.uuid({ error: 'a message id (UUID)' }) });
const tags = ['messages'];
const SENDERS = ['integration', 'rac', 'admin'] as const;

export function messageRoutes(messages: Messages, idempotency: Idempotency): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/messages',
      {
        schema: {
          tags,
          summary: 'Create a message from a template for a project (now, at sendAt, or as a draft)',
          description:
            'Honours the Idempotency-Key header: a retried request returns the first answer and creates nothing.',
          headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
          body: createMessageSchema,
        },
      },
      async (request, reply) => {
        const caller = callerOf(request, SENDERS);
        const key = request.headers['idempotency-key'];
        const create = async () => ({ statusCode: 201, body: await messages.create(request.body, caller) });
        if (!key) {
          const { statusCode, body } = await create();
          return reply.status(statusCode).send(body);
        }
        const result = await idempotency.run({ keyId: caller.id, key }, request.body, create);
        if (result.replayed) void reply.header('idempotent-replayed', 'true');
        const body =
          result.statusCode >= 400 && result.body && typeof result.body === 'object' && 'error' in result.body
            ? { error: { ...(result.body.error as object), requestId: request.id } }
            : result.body;
        return reply.status(result.statusCode).send(body);
      },
    );

    app.get(
      '/messages/:id',
      { schema: { tags, summary: 'A message: status, timestamps, content', params } },
      async (request) => messages.get(request.params.id, callerOf(request)),
    );

    app.post('/messages/:id/send', { schema: { tags, summary: 'Send a reviewed draft', params } }, async (request) =>
      messages.send(request.params.id, callerOf(request, SENDERS)),
    );

    app.post(
      '/messages/:id/cancel',
      {
        schema: {
          tags,
          summary: 'Cancel a draft or scheduled message',
          params,
          body: z.strictObject({ reason: z.string().max(500).optional() }).nullish(),
        },
      },
      async (request) => messages.cancel(request.params.id, callerOf(request, SENDERS), request.body?.reason),
    );

    app.post(
      '/messages/:id/resend',
      {
        schema: {
          tags,
          summary: 'Send again a message whose last attempt has an unknown outcome, once checked',
          params,
        },
      },
      async (request) => messages.resend(request.params.id, callerOf(request, SENDERS)),
    );

    app.patch(
      '/messages/:id',
      { schema: { tags, summary: 'Reschedule or edit a message before it goes', params, body: patchMessageSchema } },
      async (request) => messages.patch(request.params.id, request.body, callerOf(request, SENDERS)),
    );
  };
}
