import type { FastifyInstance } from 'fastify';
import promClient, { Registry } from 'prom-client';
import { AppError } from '../../errors.js';
import { carriesToken, METRICS_CHALLENGE, METRICS_REFUSAL } from '../../metrics/access.js';

/**
 * Prometheus: the HTTP and process figures (fastify-metrics, prom-client's global registry)
 * and the service's own (queues, messages, follow-ups, webhooks). With METRICS_TOKEN set, a
 * scraper must present it as a bearer token.
 */
export function metricsRoutes(registry: Registry, token: string | undefined) {
  return async (app: FastifyInstance) => {
    app.get('/metrics', { schema: { hide: true }, config: { disableMetrics: true } }, async (request, reply) => {
      if (token && !carriesToken(request.headers.authorization, token)) {
        throw new AppError('unauthorized', 401, METRICS_REFUSAL, {
          headers: { 'www-authenticate': METRICS_CHALLENGE },
        });
      }
      const merged = Registry.merge([promClient.register, registry]);
      return reply.type(merged.contentType).send(await merged.metrics());
    });
  };
}
