import { and, desc, eq, gt, isNotNull, isNull, lt, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { SUPPRESSION_REASONS, suppressions } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { recordEvent } from '../history/record.js';
import { assertAgency, assertRole, inAgency } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import type { SuppressionRow } from './store.js';

const MANAGERS = ['admin', 'manager'] as const;

export const suppressionQuerySchema = z.strictObject({
  channel: z.enum(['email', 'sms']).optional(),
  reason: z.enum(SUPPRESSION_REASONS).optional(),
  agency: z
    .string()
    .regex(/^[A-Z0-9]{2,10}$/, 'an agency code in capitals')
    .optional(),
  state: z.enum(['active', 'lifted', 'all']).default('active').describe('lifted: lifted or expired'),
  address: z.string().min(3).max(320).optional().describe('one address or number (exact, without case)'),
  cursor: z
    .string()
    .regex(/^\d{13}\.[0-9a-f-]{36}$/, 'the nextCursor of the previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type SuppressionQuery = z.output<typeof suppressionQuerySchema>;

export function suppressionView(row: SuppressionRow, now: Date) {
  const expired = row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime();
  return {
    id: row.id,
    channel: row.channel,
    address: row.address,
    reason: row.reason,
    detail: row.detail,
    messageId: row.messageId,
    projectRef: row.projectRef,
    agency: row.agency,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    active: row.liftedAt === null && !expired,
    liftedAt: row.liftedAt?.toISOString() ?? (expired ? row.expiresAt?.toISOString() : null) ?? null,
    liftedBy: row.liftedBy ?? (expired ? 'expiry' : null),
  };
}

/**
 * Listing and lifting suppressions: admins and managers, for the agency of the order whose
 * message revealed the problem (national keys: every agency). Lifting is recorded in that
 * order's history; the messages it held follow (src/suppressions/followup.ts).
 */
export function createSuppressions({ db, now }: { db: Db; now: () => Date }) {
  return {
    async list(query: SuppressionQuery, caller: Caller) {
      assertRole(caller, MANAGERS);
      if (query.agency) assertAgency(caller, query.agency);
      const agency = query.agency ?? (caller.agency === '*' ? undefined : caller.agency);
      const at = now();
      const live = and(isNull(suppressions.liftedAt), or(isNull(suppressions.expiresAt), gt(suppressions.expiresAt, at)));
      const state: SQL | undefined =
        query.state === 'active'
          ? live
          : query.state === 'lifted'
            ? or(isNotNull(suppressions.liftedAt), lt(suppressions.expiresAt, at))
            : undefined;
      const [stamp, id] = query.cursor?.split(/\.(.*)/) ?? [];
      const after =
        stamp && id
          ? or(
              lt(suppressions.createdAt, new Date(Number(stamp))),
              and(eq(suppressions.createdAt, new Date(Number(stamp))), lt(suppressions.id, id)),
            )
          : undefined;
      const address = query.address?.trim();
      const rows = await db
        .select()
        .from(suppressions)
        .where(
          and(
            agency ? eq(suppressions.agency, agency) : undefined,
            query.channel ? eq(suppressions.channel, query.channel) : undefined,
            query.reason ? eq(suppressions.reason, query.reason) : undefined,
            address ? eq(suppressions.address, address.includes('@') ? address.toLowerCase() : address) : undefined,
            state,
            after,
          ),
        )
        .orderBy(desc(suppressions.createdAt), desc(suppressions.id))
        .limit(query.limit + 1);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => suppressionView(row, at)),
        nextCursor: rows.length > query.limit && last ? `${last.createdAt.getTime()}.${last.id}` : null,
      };
    },

    async lift(id: string, caller: Caller, reason?: string) {
      assertRole(caller, MANAGERS);
      const at = now();
      return db.transaction(async (tx) => {
        const [row] = await tx.select().from(suppressions).where(eq(suppressions.id, id)).for('update');
        // Outside the caller's agency: not found, as for webhook endpoints.
        if (!row || !inAgency(caller, row.agency)) throw notFound(`Suppression ${id}`);
        if (row.liftedAt) {
          throw new AppError('conflict', 409, `Suppression ${id} was lifted already (${row.liftedAt.toISOString()})`);
        }
        const [lifted] = await tx
          .update(suppressions)
          .set({ liftedAt: at, liftedBy: caller.name })
          .where(and(eq(suppressions.id, id), isNull(suppressions.liftedAt)))
          .returning();
        if (row.projectRef) {
          await recordEvent(tx, {
            projectRef: row.projectRef,
            type: 'suppression.lifted',
            actor: { name: caller.name },
            data: { suppressionId: id, channel: row.channel, reason: row.reason, ...(reason ? { why: reason } : {}) },
            at,
          });
        }
        return suppressionView(lifted ?? row, at);
      });
    },
  };
}
export type Suppressions = ReturnType<typeof createSuppressions>;
