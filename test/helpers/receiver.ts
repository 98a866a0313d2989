import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  id: string;
  /** What the receiver answered. */
  status: number;
}

export interface Receiver {
  url(path?: string): string;
  /** Every request, in order of arrival. */
  requests: Delivery[];
  /** Chooses the answer per request (default 204); may set headers (a redirect). */
  respond(answer: (request: Delivery, attempt: number) => { status: number; headers?: Record<string, string> }): void;
  /** Verifies a request as an order tool would, with the standardwebhooks library. */
  verify(request: Delivery, secret: string): { type: string; timestamp: string; data: Record<string, unknown> };
  /** Waits until `count` requests on `path` (or any path) have arrived. */
  waitFor(predicate: (requests: Delivery[]) => boolean, timeoutMs?: number): Promise<Delivery[]>;
  close(): Promise<void>;
}

/** A real HTTP receiver of webhooks on the loopback interface. */
export async function startReceiver(): Promise<Receiver> {
  const requests: Delivery[] = [];
  const attempts = new Map<string, number>();
  let answer: Parameters<Receiver['respond']>[0] = () => ({ status: 204 });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = String(request.headers['webhook-id'] ?? '');
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      const delivery: Delivery = {
        path: request.url ?? '/',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        id,
        status: 0,
      };
      const { status, headers } = answer(delivery, attempt);
      delivery.status = status;
      requests.push(delivery);
      response.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: (path = '/hooks') => `http://127.0.0.1:${port}${path}`,
    requests,
    respond(next) {
      answer = next;
    },
    verify(request, secret) {
      return new Webhook(secret).verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }) as ReturnType<Receiver['verify']>;
    },
    async waitFor(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(requests)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met (${requests.length} requests)`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return requests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
