import { and, eq, lte, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { reminderPolicy, type AgencySettingsService } from '../src/agencies/settings.js';
import type { DeliveryError, EmailSender, SmsSender } from '../src/channels/types.js';
import type { Db } from '../src/db/client.js';
import { interventions, messages, sites } from '../src/db/schema.js';
import { earliestAllowedAtOrAfter, isSmsAllowedAt } from '../src/interventions/calendar.js';
import type { Logger } from '../src/logger.js';
import { findMessage, type MessageRow, move, moveOnly, moveScreened } from '../src/messages/moves.js';
import type { JobMemo } from '../src/queue/jobs.js';
import type { SurveyLinks } from '../src/surveys/links.js';
import { blockedRecipients } from '../src/messages/suppressed.js';
import type { KnownSuppressions } from '../src/suppressions/store.js';

export interface DeliveryDeps {
  db: Db;
  email: EmailSender;
  sms: SmsSender;
  settings: AgencySettingsService;
  /** Gives a survey mail its recipient's own links as it goes out. */
  surveyLinks: Pick<SurveyLinks, 'personalise'>;
  logger: Logger;
  now: () => Date;
}

/** What one attempt came to, for the worker to ack, retry or postpone the job. */
export type Outcome =
  | { kind: 'sent'; providerId: string }
  | { kind: 'skipped'; status: string }
  | { kind: 'not_due'; sendAt: Date }
  | { kind: 'retry'; error: string }
  | { kind: 'failed'; error: string }
  | { kind: 'unconfirmed' };

export interface Attempt {
  number: number;
  last: boolean;
  /** What an earlier attempt of this job learnt but could not record in the database. */
  memo?: JobMemo | undefined;
  /** Keeps a memo with the job (in Redis) for the next attempt. */
  remember(memo: JobMemo): Promise<void>;
}

/** Raised when the outcome could not be recorded yet: the job is retried and records it then. */
export class UnrecordedOutcome extends Error {
  constructor(cause: unknown) {
    super('the outcome of the attempt could not be recorded yet', { cause });
    this.name = 'UnrecordedOutcome';
  }
}

const WORKER: { name: string } = { name: 'worker' };
/** A job may fire a little early (timers, clock skew between hosts); that is still on time. */
const EARLY_TOLERANCE_MS = 1_000;
/** How long an attempt keeps trying to record what the provider said before handing over to a retry. */
const RECORD_FOR_MS = 20_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function dispatch(
  deps: DeliveryDeps,
  row: MessageRow,
  { html, text }: { html: string; text: string },
): Promise<{ providerId: string }> {
  if (row.channel === 'email') {
    return deps.email.send({
      id: row.id,
      to: row.to,
      cc: row.cc,
      replyTo: row.replyTo,
      subject: row.subject ?? '',
      html,
      text,
      fromName: row.fromName,
      ...(row.attachments ? { attachments: row.attachments } : {}),
      calendar: row.calendar,
    });
  }
  const to = row.to[0]?.address;
  if (!to) throw Object.assign(new Error('no recipient'), { permanent: true });
  return deps.sms.send({ id: row.id, to, body: row.smsBody ?? '' });
}

/**
 * One delivery attempt, sending at most once what the provider accepted:
 *
 * 1. the message is claimed (`scheduled → sending`) by one guarded statement, so a cancelled,
 *    already sent or rescheduled message is left alone;
 * 2. the provider call and the recording of its answer are separate steps. Once a provider
 *    accepted the message, recording "sent" is retried, and if the database stays away the
 *    provider id goes with the job so that the next attempt records it instead of sending;
 * 3. a message found `sending` by a new attempt without such a memo may have gone out (the
 *    process died between the call and the record): it is flagged unconfirmed for a person to
 *    check, never sent again blindly.
 */
export async function deliver(deps: DeliveryDeps, id: string, attempt: Attempt): Promise<Outcome> {
  const { memo } = attempt;
  if (memo?.sent) return recordSent(deps, id, memo.sent.providerId, attempt);

  let taken: Claimed | { outcome: Outcome };
  try {
    taken = await claim(deps, id, attempt);
  } catch (error) {
    // Nothing reached the provider: say so to the next attempt, which may then take it over.
    await attempt.remember({ notSent: true }).catch(() => {});
    throw error;
  }
  if ('outcome' in taken) return taken.outcome;
  const { claimed, suppressions } = taken;

  let held: Outcome | undefined;
  let content: { html: string; text: string };
  let screened: MessageRow | Outcome = claimed;
  try {
    held = await shouldHold(deps, claimed);
    if (!held) screened = await screen(deps, claimed, suppressions);
    content =
      held || 'kind' in screened
        ? { html: '', text: '' }
        : await deps.surveyLinks.personalise({
            id: claimed.id,
            projectRef: claimed.projectRef,
            templateKey: claimed.templateKey,
            to: claimed.to,
            html: claimed.html ?? '',
            text: claimed.text ?? '',
          });
  } catch (error) {
    // The database, not the provider, failed: give the message back untouched by this attempt.
    await release(deps, claimed, error, attempt);
    throw error;
  }
  if (held) return held;
  if ('kind' in screened) return screened;
  let providerId: string;
  try {
    ({ providerId } = await dispatch(deps, screened, content));
  } catch (caught) {
    return recordFailure(deps, claimed, caught, attempt);
  }
  return recordSent(deps, id, providerId, attempt, claimed.sendAt);
}

/** Back to scheduled after a failure that was not the provider's: it counts for nothing. */
async function release(deps: DeliveryDeps, row: MessageRow, error: unknown, attempt: Attempt): Promise<void> {
  const reason = error instanceof Error ? error.message : String(error);
  await recordSurely(
    deps,
    () =>
      move(deps.db, 'retry', row.id, {
        now: deps.now(),
        actor: WORKER,
        set: { lastError: `not attempted: ${reason}`.slice(0, 500) },
        data: { attempt: attempt.number, notAttempted: true },
      }),
    () => attempt.remember({ notSent: true }),
  ).catch(() => {});
}

/** A claimed message, with the active suppressions of its recipients read by the claim. */
interface Claimed {
  claimed: MessageRow;
  suppressions: KnownSuppressions;
}

async function claim(deps: DeliveryDeps, id: string, attempt: Attempt): Promise<Claimed | { outcome: Outcome }> {
  const dueBy = new Date(deps.now().getTime() + EARLY_TOLERANCE_MS);
  const options = {
    now: deps.now(),
    actor: WORKER,
    set: { attempts: sql`${messages.attempts} + 1`, unconfirmedAt: null },
    data: { attempt: attempt.number },
    where: lte(messages.sendAt, dueBy),
  };
  const taken =
    (await moveScreened(deps.db, 'claim', id, options)) ??
    (attempt.memo?.notSent ? await moveScreened(deps.db, 'reclaim', id, options) : undefined);
  if (taken) {
    // From now on a lost outcome is ambiguous again.
    if (attempt.memo) await attempt.remember({});
    return { claimed: taken.row, suppressions: taken.suppressions };
  }
  const current = await findMessage(deps.db, id);
  if (!current) return { outcome: { kind: 'skipped', status: 'missing' } };
  if ((current.status === 'scheduled' || current.status === 'sending') && current.sendAt > dueBy) {
    return { outcome: { kind: 'not_due', sendAt: current.sendAt } };
  }
  if (current.status === 'sending' && !current.unconfirmedAt) {
    await move(deps.db, 'unconfirm', id, {
      now: deps.now(),
      actor: WORKER,
      set: { unconfirmedAt: deps.now(), lastError: 'the outcome of the previous attempt is unknown' },
      data: { attempt: attempt.number },
    });
    deps.logger.warn({ messageId: id }, 'message outcome unknown after an interrupted attempt; flagged for a check');
    return { outcome: { kind: 'unconfirmed' } };
  }
  return { outcome: { kind: 'skipped', status: current.status } };
}

/**
 * Reasons a claimed message must not go right now: a message about a booked visit once the
 * visit started (a reminder late after an outage), an SMS outside the SMS hours. Either is
 * recorded. The cancellation of a visit still goes: the client may be waiting for the technician.
 */
async function shouldHold(deps: DeliveryDeps, row: MessageRow): Promise<Outcome | undefined> {
  const now = deps.now();
  if (row.interventionId) {
    const [visit] = await deps.db
      .select({ windowStart: interventions.windowStart, status: interventions.status })
      .from(interventions)
      .where(and(eq(interventions.projectRef, row.projectRef), eq(interventions.id, row.interventionId)));
    if (visit?.status === 'booked' && visit.windowStart.getTime() <= now.getTime()) {
      await move(deps.db, 'skip', row.id, { now, actor: WORKER, data: { reason: 'visit_started' } });
      return { kind: 'skipped', status: 'cancelled' };
    }
  }
  if (row.channel !== 'sms') return undefined;
  const siteRef = typeof row.data.siteRef === 'string' ? row.data.siteRef : undefined;
  const [site] = await deps.db
    .select({ postalCode: sites.postalCode })
    .from(sites)
    .where(and(eq(sites.projectRef, row.projectRef), siteRef ? eq(sites.ref, siteRef) : undefined))
    .limit(1);
  const policy = reminderPolicy(await deps.settings.get(row.agency));
  const at = DateTime.fromJSDate(now);
  if (isSmsAllowedAt(at, site?.postalCode, policy)) return undefined;
  const next = earliestAllowedAtOrAfter(at, site?.postalCode, policy)?.toJSDate();
  if (!next) return undefined;
  await move(deps.db, 'postpone', row.id, {
    now,
    actor: WORKER,
    set: { sendAt: next },
    data: { reason: 'outside_sms_hours', sendAt: next.toISOString() },
  });
  return { kind: 'not_due', sendAt: next };
}

/**
 * The last look at suppressions, for a message created before its recipient was suppressed:
 * a suppressed main recipient fails it (nothing is sent), a suppressed copy recipient is left
 * out of this sending.
 */
async function screen(deps: DeliveryDeps, row: MessageRow, known: KnownSuppressions): Promise<MessageRow | Outcome> {
  const blocked = await blockedRecipients(deps.db, row.channel, row, deps.now(), known);
  if (blocked.length === 0) return row;
  const main = blocked.find((b) => row.to.includes(b.recipient));
  if (!main) return { ...row, cc: row.cc.filter((r) => !blocked.some((b) => b.recipient === r)) };
  const reason = `recipient suppressed (${main.suppression.reason}) before sending`;
  await move(deps.db, 'fail', row.id, {
    now: deps.now(),
    actor: WORKER,
    set: { lastError: reason },
    data: { error: reason, suppressionId: main.suppression.id, permanent: true },
  });
  return { kind: 'failed', error: reason };
}

/** Records "sent", retrying while the database is away; hands over to the next attempt if it stays away. */
/** `sendAt`, when known, goes with the event: the send latency is then read from the event alone. */
async function recordSent(
  deps: DeliveryDeps,
  id: string,
  providerId: string,
  attempt: Attempt,
  sendAt?: Date,
): Promise<Outcome> {
  const record = () =>
    moveOnly(deps.db, 'sent', id, {
      now: deps.now(),
      actor: WORKER,
      set: { providerId, lastError: null, unconfirmedAt: null },
      data: { providerId, attempt: attempt.number, ...(sendAt ? { sendAt: sendAt.toISOString() } : {}) },
    });
  await recordSurely(deps, record, () => attempt.remember({ sent: { providerId } }));
  return { kind: 'sent', providerId };
}

async function recordFailure(deps: DeliveryDeps, row: MessageRow, caught: unknown, attempt: Attempt): Promise<Outcome> {
  const error = caught as Partial<DeliveryError> & Error;
  const reason = error.message ?? String(caught);
  const permanent = error.permanent === true;
  const final = permanent || attempt.last;
  const record = () =>
    final
      ? move(deps.db, 'fail', row.id, {
          now: deps.now(),
          actor: WORKER,
          set: { lastError: reason },
          data: { error: reason, attempt: attempt.number, permanent },
        })
      : // Back to scheduled while waiting for the retry, so that it can still be cancelled.
        move(deps.db, 'retry', row.id, {
          now: deps.now(),
          actor: WORKER,
          set: { lastError: reason },
          data: { error: reason, attempt: attempt.number },
        });
  await recordSurely(deps, record, () => attempt.remember({ notSent: true }));
  return final ? { kind: 'failed', error: reason } : { kind: 'retry', error: reason };
}

async function recordSurely(deps: DeliveryDeps, record: () => Promise<unknown>, handOver: () => Promise<void>) {
  const deadline = Date.now() + RECORD_FOR_MS;
  let handedOver = false;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      await record();
      return;
    } catch (error) {
      if (!handedOver)
        handedOver = await handOver().then(
          () => true,
          () => false,
        );
      if (Date.now() + delay > deadline) throw new UnrecordedOutcome(error);
      deps.logger.warn({ err: error }, 'could not record the outcome of a delivery attempt; retrying');
      await pause(delay);
    }
  }
}
