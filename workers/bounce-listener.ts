import { SMTPServer } from 'smtp-server';
import type { BounceIntake } from '../src/bounces/intake.js';
import type { Logger } from '../src/logger.js';
import type { Metrics } from '../src/metrics/registry.js';

export interface BounceListenerDeps {
  intake: BounceIntake;
  logger: Logger;
  metrics: Pick<Metrics, 'bouncesRefused'>;
  port: number;
  host: string;
  maxBytes: number;
}

export interface BounceListener {
  port: number;
  close(): Promise<void>;
}

const reply = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

/**
 * Jalon's own SMTP server for returned mail: the bounce domain's MX (or the relay) hands it
 * the DSNs addressed to `bounces+<message id>.<signature>@…`. It takes only those addresses
 * (a tag whose signature is wrong gets 550) and mail up to
 * BOUNCE_MAX_BYTES; a malformed mail is refused (5xx: the sender's server keeps its copy), a
 * moment when the database is away is answered 4xx (it tries again), and nothing a remote
 * server sends can stop the listener.
 */
export async function startBounceListener(deps: BounceListenerDeps): Promise<BounceListener> {
  const { intake, logger, metrics } = deps;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: deps.maxBytes,
    maxClients: 50,
    socketTimeout: 30_000,
    onRcptTo(address, _session, callback) {
      const verdict = intake.check(address.address);
      if (verdict === 'accepted') return callback();
      if (verdict === 'forged') {
        // Refused at the door: a tag we did not sign is a forgery or a mistake, never a report.
        metrics.bouncesRefused.inc({ reason: 'signature' });
        return callback(reply(550, '5.7.1 Unknown return path'));
      }
      metrics.bouncesRefused.inc({ reason: 'recipient' });
      callback(reply(550, '5.1.1 Mailbox unavailable: this server takes returned mail only'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Past the limit nothing more is kept; the stream is still read to its end.
        if (size <= deps.maxBytes) chunks.push(chunk);
      });
      stream.on('error', () => callback(reply(451, '4.3.0 Try again later')));
      stream.on('end', () => {
        if (stream.sizeExceeded || size > deps.maxBytes) {
          metrics.bouncesRefused.inc({ reason: 'oversized' });
          return callback(reply(552, '5.3.4 Message too big'));
        }
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        intake.receive(Buffer.concat(chunks), { source: 'smtp', recipients }).then(
          (result) => {
            if (result.outcome === 'refused') {
              metrics.bouncesRefused.inc({ reason: result.reason });
              return callback(reply(550, '5.6.0 Not a mail this server can read'));
            }
            callback();
          },
          (error: unknown) => {
            logger.warn({ err: error }, 'returned mail could not be taken in; the sender will try again');
            callback(reply(451, '4.3.0 Try again later'));
          },
        );
      });
    },
  });
  server.on('error', (error) => logger.warn({ err: error }, 'bounce listener connection error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as { port: number }).port;
  logger.info({ port }, 'bounce listener ready');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
