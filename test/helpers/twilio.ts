import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface TwilioRequest {
  accountSid: string;
  auth: string;
  params: Record<string, string>;
}

export interface FakeTwilio {
  url: string;
  requests: TwilioRequest[];
  /** Accepted messages (201), in order. */
  accepted: TwilioRequest[];
  /** HTTP statuses (and Twilio error codes) for the next requests: e.g. [{ status: 429 }]. */
  failNext(...failures: { status: number; code?: number }[]): void;
  /** The sid to give the next accepted message (to send a report for it before it exists). */
  nextSid(sid: string): void;
  /** Runs before the next acceptance is answered: the message counts as sent by then. */
  beforeNextAnswer(hook: () => Promise<void>): void;
  waitFor(count: number, timeoutMs?: number): Promise<TwilioRequest[]>;
  close(): Promise<void>;
}

const read = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => resolve(body));
  });

/**
 * A local stand-in for Twilio's Messages API, answering the way Twilio does, so that the real
 * twilio client can be exercised (status codes, JSON bodies, error codes).
 */
export async function startFakeTwilio(): Promise<FakeTwilio> {
  const requests: TwilioRequest[] = [];
  const accepted: TwilioRequest[] = [];
  const failures: { status: number; code?: number }[] = [];
  let sequence = 0;
  const sids: string[] = [];
  const hooks: (() => Promise<void>)[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? '');
      const params = Object.fromEntries(new URLSearchParams(await read(req)));
      if (req.method !== 'POST' || !match?.[1]) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 404, message: 'Not found' }));
        return;
      }
      const entry = { accountSid: match[1], auth: req.headers.authorization ?? '', params };
      requests.push(entry);
      const failure = failures.shift();
      if (failure) {
        res.writeHead(failure.status, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            code: failure.code ?? (failure.status === 429 ? 20429 : 20500),
            message: failure.status === 429 ? 'Too Many Requests' : 'Error',
            status: failure.status,
          }),
        );
        return;
      }
      accepted.push(entry);
      sequence++;
      const sid = sids.shift() ?? `SM${String(sequence).padStart(32, '0')}`;
      await hooks.shift()?.();
      res.writeHead(201, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          sid,
          account_sid: match[1],
          to: params.To,
          from: params.From,
          body: params.Body,
          status: 'queued',
          num_segments: '1',
        }),
      );
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted,
    failNext: (...list) => failures.push(...list),
    nextSid: (sid) => sids.push(sid),
    beforeNextAnswer: (hook) => hooks.push(hook),
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (accepted.length < count) {
        if (Date.now() > deadline) throw new Error(`fake Twilio got ${accepted.length} of ${count} messages`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return accepted;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
