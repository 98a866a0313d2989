import { randomUUID } from 'node:crypto';
import { and, eq, gt, isNull, lte, or, type SQL, sql, type SQLWrapper } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { rowMapper, runCompiled } from '../db/compiled.js';
import { suppressions, type SuppressionReason } from '../db/schema.js';
import { type Actor, recordEvent } from '../history/record.js';

/**
 * Suppressed addresses and numbers: the one place that says whether Jalon may write to one.
 * An entry is active until it is lifted or its expiry passes; an expired entry is closed
 * (`lifted_by = 'expiry'`) when a new one is added for the same address.
 */

export type SuppressionRow = typeof suppressions.$inferSelect;
export type Channel = 'email' | 'sms';
const suppressionRow = rowMapper(suppressions);

/** Addresses compare without case; numbers are stored in E.164 already. */
export const normalise = (channel: Channel, address: string): string =>
  channel === 'email' ? address.trim().toLowerCase() : address.trim();

const active = (now: Date | SQLWrapper) =>
  and(isNull(suppressions.liftedAt), or(isNull(suppressions.expiresAt), gt(suppressions.expiresAt, now)));

/** The active entries among these addresses, by normalised address. */
export async function activeFor(
  db: DbOrTx,
  channel: Channel,
  addresses: readonly string[],
  now: Date,
): Promise<Map<string, SuppressionRow>> {
  const wanted = [...new Set(addresses.map((a) => normalise(channel, a)))];
  if (wanted.length === 0) return new Map();
  // Read for every message stored and sent: compiled once per number of addresses.
  const raws = await runCompiled(
    db,
    `activeFor|${wanted.length}`,
    () => sql`select * from ${suppressions} where ${suppressions.channel} = ${sql.placeholder('channel')}
      and ${suppressions.address} in (${sql.join(
        wanted.map((_, i) => sql.placeholder(`a${i}`)),
        sql`, `,
      )})
      and ${active(sql.placeholder('now'))}`,
    { channel, now: now.toISOString(), ...Object.fromEntries(wanted.map((address, i) => [`a${i}`, address])) },
  );
  const rows = raws.map((raw) => suppressionRow(raw) as SuppressionRow);
  return new Map(rows.map((row) => [row.address, row]));
}

/**
 * The addresses a statement can compare itself: what `normalise` gives is what PostgreSQL's
 * `lower` gives only for ASCII without surrounding spaces; any other address is looked up
 * with `activeFor`.
 */
export const comparableInSql = (address: string): boolean => /^[\x21-\x7e]+$/.test(address);

/**
 * Active entries among the addresses of a subquery (`candidates`, one text column per channel),
 * as a JSON array of rows, to read beside another statement instead of after it. `now` names
 * the statement's placeholder for the service clock.
 */
export function activeAmong(candidates: { email: SQL; sms: SQL }, now: SQL): SQL {
  return sql`(select coalesce(json_agg(row_to_json(s)), '[]'::json) from ${suppressions} s
    where s.lifted_at is null and (s.expires_at is null or s.expires_at > ${now})
      and ((s.channel = 'email' and s.address in (${candidates.email}))
        or (s.channel = 'sms' and s.address in (${candidates.sms}))))`;
}

/** What a statement read with `activeAmong`, and which addresses it answers for. */
export interface KnownSuppressions {
  /** `channel:address`, normalised: the addresses whose entries, if any, are in `found`. */
  covered: Set<string>;
  found: Map<string, SuppressionRow>;
}

export const knownKey = (channel: Channel, address: string) => `${channel}:${normalise(channel, address)}`;

/** The rows of `activeAmong` for these addresses (only the comparable ones are covered). */
export function knownSuppressions(
  rows: readonly Record<string, unknown>[],
  addresses: readonly { channel: Channel; address: string }[],
): KnownSuppressions {
  const covered = new Set(
    addresses.filter((a) => comparableInSql(a.address)).map((a) => knownKey(a.channel, a.address)),
  );
  const found = new Map<string, SuppressionRow>();
  for (const raw of rows) {
    const row = suppressionRow(raw) as SuppressionRow;
    found.set(`${row.channel}:${row.address}`, row);
  }
  return { covered, found };
}

export interface NewSuppression {
  channel: Channel;
  address: string;
  reason: SuppressionReason;
  detail?: string | undefined;
  messageId: string;
  projectRef: string;
  agency: string;
  expiresAt: Date | null;
}

const SYSTEM: Actor = { name: 'bounces' };

/**
 * Suppresses an address unless it already is; records `suppression.added` in the history of
 * the order whose message revealed it. Returns the new entry, or undefined when there was one.
 */
export async function addSuppression(
  db: DbOrTx,
  entry: NewSuppression,
  now: Date,
): Promise<SuppressionRow | undefined> {
  const address = normalise(entry.channel, entry.address);
  await db
    .update(suppressions)
    .set({ liftedAt: sql`${suppressions.expiresAt}`, liftedBy: 'expiry' })
    .where(
      and(
        eq(suppressions.channel, entry.channel),
        eq(suppressions.address, address),
        isNull(suppressions.liftedAt),
        lte(suppressions.expiresAt, now),
      ),
    );
  const [row] = await db
    .insert(suppressions)
    .values({
      id: randomUUID(),
      channel: entry.channel,
      address,
      reason: entry.reason,
      detail: entry.detail ?? null,
      messageId: entry.messageId,
      projectRef: entry.projectRef,
      agency: entry.agency,
      createdAt: now,
      expiresAt: entry.expiresAt,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return undefined;
  await recordEvent(db, {
    projectRef: entry.projectRef,
    type: 'suppression.added',
    actor: SYSTEM,
    data: {
      suppressionId: row.id,
      channel: row.channel,
      reason: row.reason,
      ...(row.detail ? { detail: row.detail } : {}),
      messageId: entry.messageId,
      expiresAt: row.expiresAt?.toISOString() ?? null,
    },
    at: now,
  });
  return row;
}

/** Why an address is suppressed, in the words an error message or a warning uses. */
export function describeSuppression(row: SuppressionRow): string {
  const since = row.createdAt.toISOString().slice(0, 10);
  const why: Record<SuppressionReason, string> = {
    hard_bounce: 'its mail server refused a message',
    soft_bounces: 'its mail server kept refusing messages for a while',
    complaint: 'its owner reported a message as spam',
    sms_unsubscribed: 'its owner unsubscribed from SMS (STOP)',
    sms_undelivered: 'SMS to it kept failing',
  };
  return `suppressed since ${since}: ${why[row.reason]}${row.detail ? ` (${row.detail})` : ''}`;
}
