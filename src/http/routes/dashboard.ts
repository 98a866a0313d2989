import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../../errors.js';
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

/** bull-board at /admin/queues, for admin keys only. */
export function queueDashboard(keys: Keys, producer: Producer): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', async (request) => {
      const key = keyFrom(request.headers.authorization);
      const caller = key ? await keys.authenticate(key) : undefined;
      if (!caller) {
        throw new AppError('unauthorized', 401, 'An admin API key is needed (Bearer, or as the Basic password)', {
          headers: { 'www-authenticate': 'Basic realm="Jalon queues"' },
        });
      }
      if (caller.role !== 'admin') throw new AppError('forbidden', 403, 'The queue dashboard is for admin keys');
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
