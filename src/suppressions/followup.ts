import { and, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { bounceReports, messages as messageTable } from '../db/schema.js';
import type { CommittedEvent, Subscriber } from '../history/followups.js';
import type { Metrics } from '../metrics/registry.js';
import { findMessage, type MessageRow } from '../messages/moves.js';
import type { Messages } from '../messages/service.js';
import { loadProject } from '../projects/repository.js';
import { twilioCode } from '../digests/reasons.js';
import { addSuppression, type NewSuppression } from './store.js';

export interface SuppressionPolicy {
  hardBounceDays: number;
  softBounces: number;
  softBounceDays: number;
  smsUndelivered: number;
  smsUndeliveredDays: number;
}

export interface SuppressionFollowupDeps {
  db: Db;
  messages: Messages;
  metrics: Pick<Metrics, 'suppressions'>;
  policy: SuppressionPolicy;
  now: () => Date;
}

const DAY_MS = 24 * 3600 * 1000;
/** Twilio: the recipient answered STOP to this sender. */
const UNSUBSCRIBED = '21610';
const VERDICT_OF: Record<string, string> = {
  'message.bounced': 'hard',
  'message.recipient_bounced': 'hard',
  'message.soft_bounced': 'soft',
  'message.complained': 'complaint',
};

/**
 * Suppression as a follow-up of what the history says went wrong: a hard bounce or a complaint
 * suppresses the address, soft bounces past a threshold too, and so do Twilio's « unsubscribed »
 * and repeated undelivered reports for a number. Adding is idempotent (one active entry per
 * address). A lifted suppression lets the messages it held go: back to review, or scheduled
 * when they were to go without one.
 */
export function createSuppressionFollowup(deps: SuppressionFollowupDeps): Subscriber {
  const { db, policy, now } = deps;
  const days = (n: number) => new Date(now().getTime() + n * DAY_MS);

  async function suppress(row: MessageRow, entry: Omit<NewSuppression, 'messageId' | 'projectRef' | 'agency'>) {
    const added = await addSuppression(
      db,
      { ...entry, messageId: row.id, projectRef: row.projectRef, agency: row.agency },
      now(),
    );
    if (added) deps.metrics.suppressions.inc({ reason: added.reason });
  }

  async function softCount(address: string): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(bounceReports)
      .where(
        and(
          gt(bounceReports.receivedAt, new Date(now().getTime() - policy.softBounceDays * DAY_MS)),
          sql`${bounceReports.recipients} @> ${JSON.stringify([{ recipient: address, verdict: 'soft' }])}::jsonb`,
        ),
      );
    return Number(row?.n ?? 0);
  }

  async function onReturnedMail(event: CommittedEvent, row: MessageRow): Promise<void> {
    const reportId = typeof event.data.bounceReportId === 'number' ? event.data.bounceReportId : undefined;
    const [report] = reportId
      ? await db.select().from(bounceReports).where(eq(bounceReports.id, reportId))
      : [undefined];
    if (!report) return;
    const verdict = VERDICT_OF[event.type];
    const main = row.to[0]?.address;
    for (const entry of report.recipients.filter((r) => r.verdict === verdict)) {
      const address = entry.recipient ?? main;
      if (!address) continue;
      if (verdict === 'hard') {
        await suppress(row, {
          channel: 'email',
          address,
          reason: 'hard_bounce',
          detail: entry.status,
          expiresAt: days(policy.hardBounceDays),
        });
      } else if (verdict === 'complaint') {
        await suppress(row, { channel: 'email', address, reason: 'complaint', detail: entry.status, expiresAt: null });
      } else if ((await softCount(address.toLowerCase())) >= policy.softBounces) {
        await suppress(row, {
          channel: 'email',
          address,
          reason: 'soft_bounces',
          detail: `${policy.softBounces} temporary failures in ${policy.softBounceDays} days, last ${entry.status}`,
          expiresAt: days(policy.softBounceDays),
        });
      }
    }
  }

  async function undeliveredCount(number: string): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(messageTable)
      .where(
        and(
          eq(messageTable.channel, 'sms'),
          eq(messageTable.status, 'failed'),
          gt(messageTable.failedAt, new Date(now().getTime() - policy.smsUndeliveredDays * DAY_MS)),
          sql`${messageTable.providerStatus} in ('undelivered', 'failed')`,
          sql`${messageTable.to} -> 0 ->> 'address' = ${number}`,
        ),
      );
    return Number(row?.n ?? 0);
  }

  async function onSmsFailure(event: CommittedEvent, row: MessageRow): Promise<void> {
    const number = row.to[0]?.address;
    if (row.channel !== 'sms' || !number) return;
    const code = twilioCode(event.data);
    if (code === UNSUBSCRIBED) {
      await suppress(row, {
        channel: 'sms',
        address: number,
        reason: 'sms_unsubscribed',
        detail: `Twilio ${code}`,
        expiresAt: null,
      });
      return;
    }
    if (event.type !== 'message.undelivered') return;
    if ((await undeliveredCount(number)) >= policy.smsUndelivered) {
      await suppress(row, {
        channel: 'sms',
        address: number,
        reason: 'sms_undelivered',
        detail: `${policy.smsUndelivered} undelivered in ${policy.smsUndeliveredDays} days${code ? `, last Twilio ${code}` : ''}`,
        expiresAt: days(policy.smsUndeliveredDays),
      });
    }
  }

  /** The messages a lifted suppression held: reviewable again, or on their way. */
  async function onLifted(event: CommittedEvent): Promise<void> {
    const id = event.data.suppressionId;
    if (typeof id !== 'string') return;
    const held = await db
      .select()
      .from(messageTable)
      .where(and(eq(messageTable.status, 'draft'), sql`${messageTable.hold} ->> 'suppressionId' = ${id}`));
    for (const row of held) {
      const project = await loadProject(db, row.projectRef);
      if (!project) continue;
      const actor = { name: 'bounces', onBehalfOf: project.rac.id };
      const released = await deps.messages.internal.release(db, row, actor, id);
      if (!released || !row.hold?.send) continue;
      try {
        await deps.messages.internal.mirror(await deps.messages.internal.schedule(db, released, project, actor));
      } catch {
        // Another suppression still stands in its way: it stays a draft for the RAC to look at.
      }
    }
  }

  return {
    name: 'suppressions',
    events: [...Object.keys(VERDICT_OF), 'message.failed', 'message.undelivered', 'suppression.lifted'],
    async handle(event) {
      if (event.type === 'suppression.lifted') return onLifted(event);
      const id = event.data.messageId;
      const row = typeof id === 'string' ? await findMessage(db, id) : undefined;
      if (!row) return;
      if (VERDICT_OF[event.type]) return onReturnedMail(event, row);
      return onSmsFailure(event, row);
    },
  };
}
