import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyPluginAsync } from 'fastify';
import type { Keys } from '../../keys/service.js';
import type { Producer } from '../../queue/producer.js';

/** The key from "Bearer <key>", or from Basic auth's password so that a browser can log in. */
function keyFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  if (!basic?.[1]) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}

// bull-board's reads are GETs; every action (pause, retry, clean, add, edit…) is another method.
const READS = new Set(['GET', 'HEAD']);

/**
 * bull-board at /admin/queues, for national admin keys only: the queues carry every agency's
 * messages. Looking is the default; acting needs a key made with queue writes.
 */
export function queueDashboard(keys: Keys, producer: Producer): FastifyPluginAsync {
  return async (app) => {
    // Answered here rather than thrown: bull-board's own error handler would drop the
    // WWW-Authenticate header, and without it a browser never asks for the key.
    app.addHook('onRequest', async (request, reply) => {
      const key = keyFrom(request.headers.authorization);
      const caller = key ? await keys.authenticate(key) : undefined;
      const refuse = (status: number, code: string, message: string) =>
        reply
          .status(status)
          .headers(status === 401 ? { 'www-authenticate': 'Basic realm="Jalon queues"' } : {})
          .send({ error: { code, message, requestId: String(request.id) } });
      if (!caller) return refuse(401, 'unauthorized', 'An admin API key is needed (Bearer, or as the Basic password)');
      if (caller.role !== 'admin' || caller.agency !== '*') {
        return refuse(403, 'forbidden', 'The queue dashboard is for national admin keys (agency *)');
      }
      if (!READS.has(request.method) && !caller.queueWrite) {
        return refuse(403, 'forbidden', 'This key may look at the queues but not act on them (no queue writes)');
      }
      return undefined;
    });
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath('/admin/queues');
    createBullBoard({
      queues: [new BullMQAdapter(producer.queue('email')), new BullMQAdapter(producer.queue('sms'))],
      serverAdapter,
    });
    await app.register(serverAdapter.registerPlugin());
  };
}
