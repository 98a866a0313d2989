import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createMessageSchema } from '../../messages/schema.js';
import { notFound } from '../../errors.js';
import type { Messages } from '../../messages/service.js';
import { ref } from '../../projects/fields.js';
import type { Renderer } from '../../render/index.js';
import { callerOf } from '../auth.js';

const blocks = z.record(z.string(), z.string().max(20_000)).optional();
const data = z.record(z.string(), z.unknown()).optional();

export function templateRoutes(renderer: Renderer, messages: Messages): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/templates', { schema: { tags: ['templates'], summary: 'The template catalogue' } }, async (request) => {
      callerOf(request);
      return { templates: renderer.list() };
    });

    app.get(
      '/templates/:key',
      {
        schema: {
          tags: ['templates'],
          summary: 'Variables, editable blocks and sample of a template',
          params: z.object({ key: z.string() }),
        },
      },
      async (request) => {
        callerOf(request);
        const template = renderer.get(request.params.key);
        if (!template) throw notFound(`Template ${request.params.key}`);
        return template;
      },
    );

    app.post(
      '/templates/:key/preview',
      {
        schema: {
          tags: ['templates'],
          summary: 'Render a template with its sample order (blocks and data may be given)',
          params: z.object({ key: z.string() }),
          body: z.strictObject({ blocks, data }).nullish(),
        },
      },
      async (request) => {
        callerOf(request);
        return renderer.renderSample(request.params.key, {
          ...(request.body?.blocks ? { blocks: request.body.blocks } : {}),
          ...(request.body?.data ? { data: request.body.data } : {}),
        });
      },
    );

    app.post(
      '/messages/preview',
      {
        schema: {
          tags: ['messages'],
          summary: 'Render a message for a stored project without storing it',
          body: z.strictObject({
            projectRef: ref,
            template: z.string(),
            recipients: createMessageSchema.shape.recipients,
            blocks,
            data,
            transliterate: z.boolean().optional(),
          }),
        },
      },
      async (request) => messages.preview(request.body, callerOf(request)),
    );
  };
}
