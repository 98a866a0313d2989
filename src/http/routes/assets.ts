import type { FastifyInstance } from 'fastify';
import { notFound } from '../../errors.js';
import type { Renderer } from '../../render/index.js';

/**
 * The brand images that mails show (the logo), served by the service itself so that no mail
 * hot-links a third-party host. Public: a mail client fetches them without a key; readable
 * from any origin (webmail pages embed them), cached for a day.
 */
export function assetRoutes(renderer: Pick<Renderer, 'asset'>) {
  return async (app: FastifyInstance) => {
    app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async (request, reply) => {
      const asset = renderer.asset(request.params.name);
      if (!asset) throw notFound(`asset ${request.params.name}`);
      return reply
        .header('content-type', asset.contentType)
        .header('cache-control', 'public, max-age=86400')
        .header('cross-origin-resource-policy', 'cross-origin')
        .send(asset.body);
    });
  };
}
