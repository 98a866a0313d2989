import type { FastifyInstance } from 'fastify';

/** How often keep-alive connections that became idle are closed while the server stops. */
const SWEEP_MS = 50;

/**
 * Stops the HTTP server once the requests in flight are answered. Closing the server ends the
 * keep-alive connections idle at that moment only: one whose request was still being answered
 * stays open afterwards until the client or its keep-alive timeout (72 s) ends it, holding the
 * stop past its deadline. So the connections that become idle meanwhile are closed too.
 */
export async function closeHttp(app: FastifyInstance): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), SWEEP_MS);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
  }
}
