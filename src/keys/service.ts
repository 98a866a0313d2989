import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { apiKeys } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';

/** The roles a key may have. */
export const ROLES = ['admin', 'integration', 'rac', 'manager'] as const;
export type KeyRole = (typeof ROLES)[number];
/** Every role a caller may have: a key's, or a person's (planners are people, never keys). */
export type Role = KeyRole | 'planner';

/** Who is calling: what the auth layer attaches to a request. Never holds the secret. */
export interface Caller {
  /** An API key, or a person signed in with a session. */
  kind: 'key' | 'user';
  /** The key's or the person's id: what request limits and Idempotency-Keys are counted by. */
  id: string;
  /** Recorded in the history as the actor: the key's name, or the person's display name. */
  name: string;
  role: Role;
  agency: string;
  racId: string | null;
  /** May act on the queue dashboard, not only look at it (absent: may not). */
  queueWrite?: boolean;
}

export const keyInputSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters'),
    role: z.enum(ROLES, { error: `expected one of ${ROLES.join(', ')}` }),
    agency: z.string().regex(/^(\*|[A-Z0-9]{2,10})$/, 'an agency code in capitals, or * for national scope'),
    racId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a RAC id')
      .optional(),
    queueWrite: z.boolean().optional(),
  })
  .superRefine((input, ctx) => {
    if (input.role === 'rac' && !input.racId) {
      ctx.addIssue({ code: 'custom', path: ['racId'], message: 'required for the rac role: the RAC this key acts as' });
    }
    if (input.role !== 'rac' && input.racId) {
      ctx.addIssue({ code: 'custom', path: ['racId'], message: 'only a rac key is bound to a RAC' });
    }
    if (input.queueWrite && (input.role !== 'admin' || input.agency !== '*')) {
      ctx.addIssue({
        code: 'custom',
        path: ['queueWrite'],
        message: 'only a national admin key (agency *) acts on the queues',
      });
    }
  });
export type KeyInput = z.output<typeof keyInputSchema>;

export interface KeyView {
  id: string;
  name: string;
  prefix: string;
  role: KeyRole;
  agency: string;
  racId: string | null;
  queueWrite: boolean;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomToken(length: number): string {
  // 248 = 4 × 62: rejecting bytes above it keeps every character equally likely.
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
/** The visible part of a key (`jln_XXXXXXXX`), enough to recognise it in a list. */
export const keyPrefix = (key: string) => key.slice(0, 12);

function toView(row: typeof apiKeys.$inferSelect): KeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    agency: row.agency,
    racId: row.racId,
    queueWrite: row.queueWrite,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/**
 * A verified key is remembered briefly: every request would otherwise cost a database round
 * trip. Revoking through this process forgets it at once; every other process notices within
 * the TTL, which is what bounds how long a revoked key can still work anywhere.
 */
const AUTH_CACHE_TTL_MS = 500;
const AUTH_CACHE_MAX = 10_000;

export function createKeys({ db }: { db: Db }) {
  const verified = new Map<string, { caller: Caller; until: number }>();
  async function insert(input: KeyInput, key: string): Promise<{ key: string; apiKey: KeyView }> {
    const [row] = await db
      .insert(apiKeys)
      .values({
        id: randomUUID(),
        name: input.name,
        prefix: keyPrefix(key),
        hash: hashKey(key),
        role: input.role,
        agency: input.agency,
        racId: input.racId ?? null,
        queueWrite: input.queueWrite ?? false,
      })
      .returning();
    if (!row) throw new AppError('internal', 500, 'key not stored');
    return { key, apiKey: toView(row) };
  }

  return {
    /** Creates a key; the secret is returned here and never again. */
    create: (input: KeyInput) => insert(input, `jln_${randomToken(8)}_${randomToken(40)}`),

    list: async (): Promise<KeyView[]> =>
      (await db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))).map(toView),

    /**
     * Revokes by id or by visible prefix. `allowed` sees the key first, so that a caller can
     * be refused a key outside its scope.
     */
    revoke: async (idOrPrefix: string, allowed: (key: KeyView) => void = () => {}): Promise<KeyView> => {
      const match = idOrPrefix.startsWith('jln_') ? eq(apiKeys.prefix, idOrPrefix) : eq(apiKeys.id, idOrPrefix);
      const [existing] = await db.select().from(apiKeys).where(match);
      if (!existing) throw notFound(`API key ${idOrPrefix}`);
      allowed(toView(existing));
      if (existing.revokedAt) return toView(existing);
      const [row] = await db
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(eq(apiKeys.id, existing.id))
        .returning();
      verified.delete(existing.hash);
      return toView(row ?? existing);
    },

    /** Returns the caller for a valid, unrevoked key, or undefined. */
    authenticate: async (key: string): Promise<Caller | undefined> => {
      if (!/^jln_[A-Za-z0-9]{8}_[A-Za-z0-9]{32,}$/.test(key)) return undefined;
      const hash = hashKey(key);
      const cached = verified.get(hash);
      if (cached && cached.until > Date.now()) return cached.caller;
      const [row] = await db
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)));
      if (!row) return undefined;
      const caller: Caller = {
        kind: 'key',
        id: row.id,
        name: row.name,
        role: row.role,
        agency: row.agency,
        racId: row.racId,
        queueWrite: row.queueWrite,
      };
      if (verified.size >= AUTH_CACHE_MAX) verified.clear();
      verified.set(hash, { caller, until: Date.now() + AUTH_CACHE_TTL_MS });
      return caller;
    },

    touch: async (keyId: string) => {
      await db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, keyId));
    },

    /**
     * On a first start there is no key to create keys with. Store the configured bootstrap
     * key, or make one, so exactly one admin key exists; returns it only when it was generated.
     */
    ensureBootstrapKey: async (configured?: string): Promise<string | undefined> => {
      const [{ count } = { count: 0 }] = await db.select({ count: sql<number>`count(*)::int` }).from(apiKeys);
      if (count > 0) return undefined;
      const input: KeyInput = { name: 'bootstrap admin', role: 'admin', agency: '*' };
      const { key } = await insert(input, configured ?? `jln_${randomToken(8)}_${randomToken(40)}`);
      return configured ? undefined : key;
    },
  };
}

export type Keys = ReturnType<typeof createKeys>;
