import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { bounceReports, type Recipient } from '../db/schema.js';
import { AppError } from '../errors.js';
import { type Logger, scrub } from '../logger.js';
import { findMessage, type MessageRow, move, type MoveOptions } from '../messages/moves.js';
import type { Metrics } from '../metrics/registry.js';
import { MalformedMail } from './mime.js';
import { type Original, parseReport, type RecipientStatus, type Report } from './parse.js';
import { type BounceAddress, readReturnPath } from './verp.js';

export interface IntakeDeps {
  db: Db;
  now: () => Date;
  logger: Logger;
  metrics: Pick<Metrics, 'bounces'>;
  bounce: BounceAddress;
}

export type Source = 'smtp' | 'imap';

/** What became of one returned mail. */
export type Intake =
  | { outcome: 'refused'; reason: 'malformed' }
  /** The very same mail was taken in before (a sender retrying, a mailbox read twice): no effect. */
  | { outcome: 'duplicate' }
  | { outcome: 'recorded'; kind: 'hard' | 'soft' | 'delayed' | 'complaint' | 'unknown'; messageId: string | undefined };

/** The DSN came before the worker recorded the message as sent: the sender should try again shortly. */
export class NotYetSent extends AppError {
  constructor() {
    super('not_yet_sent', 503, 'the returned message is not recorded as sent yet', { retryable: true });
  }
}

const BOUNCE_ACTOR = { name: 'bounces' };
/** An unrecognised mail is kept for an operator to look at, up to this much of it. */
const KEPT_CHARS = 64 * 1024;

/**
 * The message a returned mail is about, only ever from a signed return path: the envelope
 * recipient (or the mailbox's record of it), else one the report quotes. The ids in the quoted
 * headers (X-Jalon-Message-Id, Message-ID, In-Reply-To) are not signed, so they are not
 * believed. A forged tag anywhere in the envelope makes the whole mail unbelievable.
 */
function messageIdOf(bounce: BounceAddress, recipients: string[], original: Original): string | undefined {
  const envelope = recipients.map((r) => readReturnPath(bounce, r));
  if (envelope.some((p) => p.ours && p.tag === 'forged')) return undefined;
  for (const path of [...envelope, ...original.returnPaths.map((r) => readReturnPath(bounce, r))]) {
    if (path.ours && path.tag === 'signed') return path.messageId;
  }
  return undefined;
}

function kindOf(report: Report): Extract<Intake, { outcome: 'recorded' }>['kind'] {
  if (report.kind !== 'dsn') return report.kind;
  const verdicts = report.recipients.map((r) => r.verdict);
  return verdicts.includes('hard') ? 'hard' : verdicts.includes('soft') ? 'soft' : 'delayed';
}

/** Which of the message's people the report is about, by contact rather than by address. */
function whom(row: MessageRow, address: string | undefined): { contactId?: string; copy: boolean; found: boolean } {
  const same = (r: Recipient) => address !== undefined && r.address.toLowerCase() === address;
  const to = row.to.find(same);
  if (to) return { ...(to.contactId ? { contactId: to.contactId } : {}), copy: false, found: true };
  const cc = row.cc.find(same);
  if (cc) return { ...(cc.contactId ? { contactId: cc.contactId } : {}), copy: true, found: true };
  // A report that does not say who (or says it in a form we do not recognise) is about the main recipient.
  return { copy: false, found: false };
}

/**
 * Takes in one returned mail: keeps it, and turns what it says into the message's history
 * through the lifecycle (a hard bounce of a main recipient moves the message to `bounced`).
 * What follows (suppression, the RAC's daily summary, webhooks, figures) are follow-ups of
 * those events. Everything of one mail is one transaction: a mail taken twice (the remote
 * server did not hear our answer) changes the status once, its guard seeing it bounced already.
 */
export function createBounceIntake(deps: IntakeDeps) {
  const { db, now } = deps;

  async function apply(tx: DbOrTx, row: MessageRow, report: Report, reportId: number): Promise<void> {
    const base = (extra: Record<string, unknown>): MoveOptions => ({
      now: now(),
      actor: BOUNCE_ACTOR,
      data: { bounceReportId: reportId, ...extra },
    });
    if (report.kind === 'complaint') {
      const who = whom(row, report.recipient);
      await move(tx, 'complaint', row.id, base({ feedbackType: report.feedbackType, ...pick(who) }));
      return;
    }
    if (report.kind !== 'dsn') return;
    let status = row.status;
    for (const entry of report.recipients) {
      if (entry.verdict === 'delayed') continue;
      const who = whom(row, entry.recipient);
      const said = described(entry);
      if (entry.verdict === 'soft') {
        await move(tx, 'softBounce', row.id, base({ ...said, ...pick(who) }));
        continue;
      }
      const moved =
        !who.copy && (status === 'sent' || status === 'delivered')
          ? await move(tx, 'bounce', row.id, {
              ...base({ ...said, ...pick(who) }),
              set: { lastError: `${said.remoteStatus}: ${said.diagnostic ?? 'returned'}`.slice(0, 500) },
            })
          : await move(tx, 'recipientBounced', row.id, base({ ...said, ...pick(who) }));
      if (moved) status = moved.status;
    }
  }

  return {
    /**
     * Whether returned mail for this envelope recipient is taken: the bounce address and its
     * signed tags; a tag without a valid signature is told apart so that it can be refused.
     */
    check(recipient: string): 'accepted' | 'forged' | 'foreign' {
      const path = readReturnPath(deps.bounce, recipient);
      return !path.ours ? 'foreign' : path.tag === 'forged' ? 'forged' : 'accepted';
    },

    async receive(raw: Buffer, envelope: { source: Source; recipients: string[] }): Promise<Intake> {
      let report: Report;
      try {
        report = parseReport(raw);
      } catch (error) {
        if (error instanceof MalformedMail) return { outcome: 'refused', reason: 'malformed' };
        throw error;
      }
      const messageId = messageIdOf(deps.bounce, envelope.recipients, report.original);
      // What cannot be tied to a message we sent is acted on by no one, whatever it says.
      const kind = messageId ? kindOf(report) : 'unknown';
      const digest = createHash('sha256').update(raw).digest('base64url');
      const taken = await db.transaction(async (tx) => {
        const row = messageId ? await findMessage(tx, messageId) : undefined;
        // Sent a moment ago and not recorded yet: answered « try again later », nothing kept.
        if (row?.status === 'sending') throw new NotYetSent();
        const [stored] = await tx
          .insert(bounceReports)
          .values({
            receivedAt: now(),
            digest,
            source: envelope.source,
            kind,
            messageId: row ? row.id : null,
            recipients:
              report.kind === 'dsn'
                ? report.recipients.map((r) => ({
                    recipient: r.recipient ?? null,
                    verdict: r.verdict,
                    status: r.status,
                    diagnostic: r.diagnostic ?? null,
                  }))
                : report.kind === 'complaint'
                  ? [
                      {
                        recipient: report.recipient ?? null,
                        verdict: 'complaint',
                        status: report.feedbackType,
                        diagnostic: null,
                      },
                    ]
                  : [],
            raw: kind === 'unknown' ? raw.toString('utf8').slice(0, KEPT_CHARS) : null,
          })
          .onConflictDoNothing({ target: bounceReports.digest })
          .returning({ id: bounceReports.id });
        if (!stored) return false;
        if (row) await apply(tx, row, report, stored.id);
        return true;
      });
      if (!taken) {
        deps.logger.info({ messageId, source: envelope.source }, 'returned mail already taken in');
        return { outcome: 'duplicate' };
      }
      deps.metrics.bounces.inc({ kind, source: envelope.source });
      deps.logger.info({ kind, messageId, source: envelope.source }, 'returned mail taken in');
      return { outcome: 'recorded', kind, messageId };
    },

    /** The stored report of an event (for follow-ups that need the address it is about). */
    async report(id: number) {
      const [row] = await db.select().from(bounceReports).where(eq(bounceReports.id, id));
      return row;
    },
  };
}
export type BounceIntake = ReturnType<typeof createBounceIntake>;

const pick = (who: { contactId?: string; copy: boolean }) => ({
  recipient: who.contactId ?? 'explicit',
  copy: who.copy,
});

/** The remote server's status and words for the history, with any address in them masked. */
function described(entry: RecipientStatus): { remoteStatus: string; diagnostic?: string } {
  return {
    remoteStatus: entry.status,
    ...(entry.diagnostic ? { diagnostic: scrub(entry.diagnostic).slice(0, 300) } : {}),
  };
}
