import { createServer } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { carriesToken, METRICS_CHALLENGE, METRICS_REFUSAL } from './access.js';

export interface MetricsServerOptions {
  port: number;
  host: string;
  token: string | undefined;
  registry: Registry;
  logger: Logger;
}

/**
 * The worker process's own /metrics (it has no API): its counters (deliveries, follow-ups,
 * webhooks), the queue and outbox figures, and the Node.js process figures.
 */
export async function startMetricsServer(
  options: MetricsServerOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const process = new Registry();
  collectDefaultMetrics({ register: process });
  const merged = Registry.merge([process, options.registry]);
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' || (path !== '/metrics' && path !== '/health')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (path === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (options.token && !carriesToken(request.headers.authorization, options.token)) {
      response
        .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': METRICS_CHALLENGE })
        .end(`${METRICS_REFUSAL}\n`);
      return;
    }
    merged.metrics().then(
      (body) => response.writeHead(200, { 'content-type': merged.contentType }).end(body),
      (error: unknown) => {
        options.logger.warn({ err: error }, 'could not collect the metrics');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
