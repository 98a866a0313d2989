import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { messages, providerReports } from '../db/schema.js';
import { move } from './moves.js';

const TWILIO: { name: string } = { name: 'twilio' };
/** A report whose message never shows up (another account's, a test) is forgotten after this. */
const KEEP_PENDING_MS = 7 * 24 * 3600 * 1000;

/** Twilio's final statuses and the move each means; the others are progress only. */
const FINAL: Record<string, 'delivered' | 'undelivered'> = {
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'undelivered',
};

export interface TwilioReport {
  sid: string;
  status: string;
  errorCode?: string | undefined;
}

/**
 * Applies a delivery report of an SMS. Reports arrive twice or out of order: each move is
 * guarded by the statuses it starts from, so a replay or a late progress report changes
 * nothing and records nothing. A report that arrives before the provider id is stored (the
 * worker has not recorded "sent" yet) is kept and applied once it is.
 */
export async function applyTwilioStatus(
  db: Db,
  report: TwilioReport,
  now: () => Date,
): Promise<'applied' | 'ignored' | 'pending'> {
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.providerId, report.sid), eq(messages.channel, 'sms')));
  if (!row) {
    await db
      .insert(providerReports)
      .values({ providerId: report.sid, status: report.status, errorCode: report.errorCode ?? null, receivedAt: now() })
      .onConflictDoNothing();
    return 'pending';
  }
  const final = FINAL[report.status];
  const moved = final
    ? await move(db, final, row.id, {
        now: now(),
        actor: TWILIO,
        set: {
          providerStatus: report.status,
          ...(report.errorCode ? { lastError: `Twilio error ${report.errorCode}` } : {}),
        },
        data: { providerStatus: report.status, ...(report.errorCode ? { errorCode: report.errorCode } : {}) },
      })
    : await move(db, 'progress', row.id, {
        now: now(),
        actor: TWILIO,
        set: { providerStatus: report.status },
        data: { providerStatus: report.status },
        where: sql`${messages.providerStatus} is distinct from ${report.status}`,
      });
  return moved ? 'applied' : 'ignored';
}

/** Applies the reports kept for messages whose provider id is now known; forgets stale ones. */
export async function applyPendingReports(db: Db, now: () => Date): Promise<number> {
  const ready = await db
    .select({
      providerId: providerReports.providerId,
      status: providerReports.status,
      errorCode: providerReports.errorCode,
    })
    .from(providerReports)
    .innerJoin(messages, and(eq(messages.providerId, providerReports.providerId), eq(messages.channel, 'sms')))
    .orderBy(sql`${providerReports.receivedAt}`)
    .limit(500);
  for (const report of ready) {
    await applyTwilioStatus(
      db,
      { sid: report.providerId, status: report.status, errorCode: report.errorCode ?? undefined },
      now,
    );
    await db
      .delete(providerReports)
      .where(and(eq(providerReports.providerId, report.providerId), eq(providerReports.status, report.status)));
  }
  await db.delete(providerReports).where(lt(providerReports.receivedAt, new Date(now().getTime() - KEEP_PENDING_MS)));
  return ready.length;
}
