import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Idempotency } from '../../messages/idempotency.js';
import { bulkSchema, createMessageSchema, patchMessageSchema } from '../../messages/schema.js';
import { invalid } from '../../errors.js';
import type { Messages } from '../../messages/service.js';
import type { MessageListing } from '../../messages/list.js';
import { messageListQuerySchema, messageListSchema } from '../../messages/list-schema.js';
import { callerOf } from '../auth.js';

const params = z.object({ id: z.uuid({ error: 'a message id (UUID)' }) });
/** `If-Match: "3"` (or 3): the revision the caller read; a stale one answers 412. */
const ifMatch = z.object({ 'if-match': z.string().max(40).optional() }).loose();

function expectedRevision(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) throw invalid([{ path: 'headers.if-match', message: 'expected the message revision, e.g. "3"' }]);
  return Number(match[1]);
}
const tags = ['messages'];
const SENDERS = ['integration', 'rac', 'admin'] as const;

export function messageRoutes(
  messages: Messages,
  list: MessageListing,
  idempotency: Idempotency,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/messages',
      {
        schema: {
          tags,
          summary: "The messages of the orders the caller may see, without their contents: a RAC's work queue",
          description:
            'A RAC reviews `status=draft&rac=me` and `problem=true` (failed or bounced). Pages follow `nextCursor` ' +
            "(null on the last page); a filter outside the caller's scope is refused with 403.",
          querystring: messageListQuerySchema,
          response: { 200: messageListSchema },
        },
      },
      async (request) => list(request.query, callerOf(request)),
    );

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
      { schema: { tags, summary: 'A message: status, timestamps, content (ETag: its revision)', params } },
      async (request, reply) => {
        const message = await messages.get(request.params.id, callerOf(request));
        return reply.header('etag', `"${message.revision}"`).send(message);
      },
    );

    app.post(
      '/messages/:id/send',
      {
        schema: { tags, summary: 'Send a reviewed draft (If-Match: the revision reviewed)', params, headers: ifMatch },
      },
      async (request) =>
        messages.send(request.params.id, callerOf(request, SENDERS), expectedRevision(request.headers['if-match'])),
    );

    app.post(
      '/messages/bulk',
      {
        schema: {
          tags,
          summary: 'Send, schedule or cancel up to 500 messages, each at the revision reviewed',
          description:
            'One result per message: done, or the reason it was refused (412 stale, 409 no longer pending…).',
          body: bulkSchema,
        },
      },
      async (request) => messages.bulk(request.body, callerOf(request, SENDERS)),
    );

    app.post(
      '/messages/:id/cancel',
      {
        schema: {
          tags,
          summary: 'Cancel a draft or scheduled message',
          params,
          headers: ifMatch,
          body: z.strictObject({ reason: z.string().max(500).optional() }).nullish(),
        },
      },
      async (request) =>
        messages.cancel(
          request.params.id,
          callerOf(request, SENDERS),
          request.body?.reason,
          expectedRevision(request.headers['if-match']),
        ),
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
      {
        schema: {
          tags,
          summary: 'Reschedule or edit a message before it goes (If-Match or revision: the one read)',
          params,
          headers: ifMatch,
          body: patchMessageSchema,
        },
      },
      async (request) =>
        messages.patch(
          request.params.id,
          request.body,
          callerOf(request, SENDERS),
          expectedRevision(request.headers['if-match']),
        ),
    );
  };
}
