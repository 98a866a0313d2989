import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { assertPublicLiteral, guardedLookup, RefusedTarget } from './guard.js';

/** A new signing secret, in the Standard Webhooks form (`whsec_` and 32 random bytes in base64). */
export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export interface Signed {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The three headers of the Standard Webhooks specification. The timestamp is the wall clock's,
 * not the service clock's: receivers compare it with their own to refuse replays.
 */
export function sign(secret: string, id: string, body: string, at: Date = new Date()): Signed {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

export interface PostResult {
  ok: boolean;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why it did not count as delivered, without anything the receiver sent back. */
  error?: string;
  /** Refused before any connection: a private target. */
  refused?: boolean;
  durationMs: number;
}

const MAX_READ = 64 * 1024;

/**
 * POSTs one signed delivery. Only a 2xx answer counts; a redirect is not followed (it could
 * lead to a private address, and the receiver must give its real URL); the whole exchange is
 * bounded by the timeout.
 */
export function postWebhook(
  target: { url: string; secret: string },
  delivery: { id: string; body: string },
  options: PostOptions,
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(target.url);
  try {
    if (!options.allowPrivate) assertPublicLiteral(url);
  } catch (error) {
    return Promise.resolve({ ok: false, refused: true, error: (error as Error).message, durationMs: 0 });
  }
  const client = url.protocol === 'https:' ? https : http;
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Jalon-Webhooks/1',
    ...sign(target.secret, delivery.id, delivery.body),
  };
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<PostResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: elapsed() });
    };
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(delivery.body) },
        ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
        agent: false,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        // The body is read (to let the connection close cleanly) and dropped, never stored.
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_READ) response.destroy();
        });
        const done = () => {
          if (status >= 200 && status < 300) return finish({ ok: true, status });
          const why = status >= 300 && status < 400 ? `redirect ${status} not followed` : `HTTP ${status}`;
          return finish({ ok: false, status, error: why });
        };
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    request.on('error', (error) => {
      const refused = error instanceof RefusedTarget;
      finish({ ok: false, refused, error: refused ? error.message : describe(error) });
    });
    request.end(delivery.body);
  });
}

/** A network error in a few words (its code), never the receiver's own text. */
function describe(error: Error & { code?: string }): string {
  return error.code ?? error.message.slice(0, 200);
}
