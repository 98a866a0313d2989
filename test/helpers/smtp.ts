import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface Received {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  mail: ParsedMail;
}

export interface SmtpSink {
  url: string;
  port: number;
  received: Received[];
  /** Replies to give to the next DATA commands, in order: e.g. [451, 451] then accept. */
  failNext(...codes: number[]): void;
  /** Runs once the next message is received, before the server answers 250. */
  beforeNextAnswer(hook: () => Promise<void>): void;
  /** Every DATA command seen, accepted or not. */
  attempts(): number;
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

const envelopeOf = (session: SMTPServerSession) => ({
  from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
  to: session.envelope.rcptTo.map((r) => r.address),
});

/** A real SMTP server in the test process; what it accepts is parsed back with mailparser. */
export async function startSmtpSink(options: { parse?: boolean } = {}): Promise<SmtpSink> {
  const received: Received[] = [];
  const failures: number[] = [];
  let attempts = 0;
  const hooks: (() => Promise<void>)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 20 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        attempts++;
        const code = failures.shift();
        if (code) {
          const error = Object.assign(new Error(code >= 500 ? 'Mailbox unavailable' : 'Try again later'), {
            responseCode: code,
          });
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks);
        const hook = hooks.shift();
        if (hook) {
          // The message is in: only the answer waits, as when a connection drops right after DATA.
          received.push({ envelope: envelopeOf(session), raw, mail: undefined as unknown as ParsedMail });
          const entry = received.at(-1)!;
          simpleParser(raw)
            .then(async (mail) => {
              entry.mail = mail;
              await hook();
              callback();
            })
            .catch((error: Error) => callback(error));
          return;
        }
        const envelope = envelopeOf(session);
        if (options.parse === false) {
          received.push({ envelope, raw, mail: undefined as unknown as ParsedMail });
          callback();
          return;
        }
        simpleParser(raw)
          .then((mail) => {
            received.push({ envelope, raw, mail });
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  // A client killed mid-session (a worker under SIGKILL) resets its socket: not a test failure.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    failNext: (...codes) => failures.push(...codes),
    beforeNextAnswer: (hook) => hooks.push(hook),
    attempts: () => attempts,
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`SMTP sink got ${received.length} of ${count} messages in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
