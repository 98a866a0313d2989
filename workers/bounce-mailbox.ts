import { ImapFlow } from 'imapflow';
import type { BounceIntake, Intake } from '../src/bounces/intake.js';
import { MalformedMail } from '../src/bounces/mime.js';
import { addressedTo } from '../src/bounces/parse.js';
import type { Database } from '../src/db/client.js';
import type { Logger } from '../src/logger.js';
import type { Metrics } from '../src/metrics/registry.js';

export interface BounceMailboxDeps {
  intake: BounceIntake;
  logger: Logger;
  metrics: Pick<Metrics, 'bouncesRefused' | 'bounceMailboxFailures'>;
  database: Pick<Database, 'exclusive'>;
  /** imap[s]://user:password@host:port/MAILBOX */
  url: string;
  intervalMs: number;
  done: 'move' | 'delete';
  doneFolder: string;
  unknownFolder: string;
  maxBytes: number;
}

export interface BounceMailbox {
  close(): Promise<void>;
}

const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 60_000;

function settings(url: string) {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'imaps:';
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 993 : 143,
    secure,
    auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) },
    mailbox: decodeURIComponent(parsed.pathname.slice(1)) || 'INBOX',
  };
}

/** What becomes of a mail: nothing Jalon can act on goes to the unknown folder for a person to see. */
const placeOf = (result: Intake): 'done' | 'unknown' =>
  result.outcome === 'refused' || (result.outcome === 'recorded' && result.kind === 'unknown') ? 'unknown' : 'done';

/**
 * Reads returned mail from a mailbox (for relays that deliver bounces to one rather than to the
 * SMTP listener), through the same intake. One worker process reads at a time, under a
 * database lock; the others wait for it to stop. The intake is idempotent anyway (the same mail
 * twice has one effect), which covers a mail read again after a crash between the intake and
 * the move, or two readers for a moment after the lock's connection was lost.
 *
 * A mail is moved (or deleted) only once the intake committed, so a database outage leaves it
 * in the mailbox for the next look. A lost or refused connection is retried with a doubling
 * wait, up to a minute; nothing the server does stops the workers.
 */
export function startBounceMailbox(deps: BounceMailboxDeps): BounceMailbox {
  const { intake, logger, metrics } = deps;
  const where = settings(deps.url);
  let stopped = false;
  let wake: (() => void) | undefined;
  let current: ImapFlow | undefined;
  let retryMs = FIRST_RETRY_MS;
  const stopping = new AbortController();

  /** Resolves after `ms`, or sooner when woken (new mail, a lost connection, the stop). */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  async function take(client: ImapFlow, uid: number): Promise<'done' | 'unknown' | 'later'> {
    const mail = await client.fetchOne(String(uid), { source: true, size: true }, { uid: true });
    if (!mail || !mail.source) return 'later';
    if ((mail.size ?? mail.source.length) > deps.maxBytes) {
      metrics.bouncesRefused.inc({ reason: 'oversized' });
      return 'unknown';
    }
    let recipients: string[] = [];
    try {
      recipients = addressedTo(mail.source);
    } catch (error) {
      if (!(error instanceof MalformedMail)) throw error;
    }
    try {
      const result = await intake.receive(mail.source, { source: 'imap', recipients });
      if (result.outcome === 'refused') metrics.bouncesRefused.inc({ reason: result.reason });
      return placeOf(result);
    } catch (error) {
      // The database is away, or the message is not recorded as sent yet: the mail stays.
      metrics.bounceMailboxFailures.inc({ stage: 'intake' });
      logger.warn({ err: error }, 'returned mail left in the bounce mailbox; tried again later');
      return 'later';
    }
  }

  async function drain(client: ImapFlow, folders: { done: string; unknown: string }): Promise<void> {
    const uids = (await client.search({ deleted: false }, { uid: true })) || [];
    for (const uid of uids) {
      if (stopped) return;
      const place = await take(client, uid);
      if (place === 'later') return;
      if (place === 'unknown') await client.messageMove(String(uid), folders.unknown, { uid: true });
      else if (deps.done === 'move') await client.messageMove(String(uid), folders.done, { uid: true });
      else {
        await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
        await client.messageDelete(String(uid), { uid: true });
      }
    }
  }

  /** The folder's path on this server (its hierarchy separator may not be `/`), made if missing. */
  async function folder(client: ImapFlow, name: string): Promise<string> {
    return (await client.mailboxCreate(name.split('/'))).path;
  }

  async function session(): Promise<void> {
    const client = new ImapFlow({
      host: where.host,
      port: where.port,
      secure: where.secure,
      auth: where.auth,
      logger: false,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 5 * 60_000,
    });
    current = client;
    // Without a listener an 'error' event would end the process; the 'close' that follows ends the session.
    client.on('error', (error: Error) => logger.warn({ err: error }, 'bounce mailbox connection error'));
    client.on('close', () => wake?.());
    // New mail while idling (IDLE, or the NOOPs of a server without it): look now.
    client.on('exists', () => wake?.());
    try {
      await client.connect();
      const folders = {
        done: await folder(client, deps.doneFolder),
        unknown: await folder(client, deps.unknownFolder),
      };
      const lock = await client.getMailboxLock(where.mailbox);
      retryMs = FIRST_RETRY_MS;
      logger.info({ idle: client.capabilities.has('IDLE') }, 'bounce mailbox open');
      try {
        while (!stopped && client.usable) {
          await drain(client, folders);
          if (stopped || !client.usable) break;
          // Inside the mailbox lock imapflow does not idle by itself; the next command ends it.
          void client.idle().catch(() => {});
          await pause(deps.intervalMs);
        }
      } finally {
        lock.release();
      }
      if (!stopped) {
        metrics.bounceMailboxFailures.inc({ stage: 'connection' });
        logger.warn({ retryInMs: retryMs }, 'bounce mailbox connection lost');
      }
    } catch (error) {
      if (!stopped) {
        metrics.bounceMailboxFailures.inc({ stage: 'connection' });
        logger.warn({ err: error, retryInMs: retryMs }, 'bounce mailbox unavailable');
      }
    } finally {
      current = undefined;
      if (client.usable) await client.logout().catch(() => {});
      client.close();
    }
  }

  async function read(): Promise<void> {
    while (!stopped) {
      await session();
      if (stopped) return;
      await pause(retryMs);
      retryMs = Math.min(retryMs * 2, LONGEST_RETRY_MS);
    }
  }

  const running = (async () => {
    while (!stopped) {
      try {
        await deps.database.exclusive('bounce-mailbox', read, { signal: stopping.signal });
      } catch (error) {
        // The lock could not be had (the database is away): try again.
        if (stopped) return;
        metrics.bounceMailboxFailures.inc({ stage: 'intake' });
        logger.warn({ err: error }, 'bounce mailbox waits for the database');
        await pause(retryMs);
        retryMs = Math.min(retryMs * 2, LONGEST_RETRY_MS);
      }
    }
  })();

  return {
    async close() {
      stopped = true;
      stopping.abort();
      wake?.();
      current?.close();
      await running;
    },
  };
}
