import type { FastifyInstance } from 'fastify';
import { withTimeout } from '../../lib/timeout.js';

export interface Probe {
  name: string;
  check: () => Promise<void>;
}

/** Liveness says the process answers; readiness says it can do its job (database, Redis). */
export function opsRoutes(probes: Probe[]) {
  return async (app: FastifyInstance) => {
    app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
      const results = await Promise.all(
        probes.map(async (probe) => {
          try {
            await withTimeout(probe.check(), 2_000);
            return [probe.name, 'ok'] as const;
          } catch (error) {
            return [probe.name, `unavailable: ${(error as Error).message}`] as const;
          }
        }),
      );
      const ready = results.every(([, status]) => status === 'ok');
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
    });
  };
}
