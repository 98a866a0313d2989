import { createHash } from 'node:crypto';
import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { idempotencyKeys } from '../db/schema.js';
import { AppError, publicError } from '../errors.js';
import { stableJson } from '../lib/stable-json.js';

export interface StoredResponse {
  statusCode: number;
  body: unknown;
}

/** An in-flight claim older than this belongs to a request that died; it may be taken over. */
const ABANDONED_AFTER_MS = 60_000;

/**
 * `Idempotency-Key` semantics: the first request with a key claims it (committed at once, so
 * that a concurrent duplicate sees it), runs, and stores its answer. The same key and body
 * later get that answer again; another body gets 422; a duplicate while the first still runs
 * gets 409 with Retry-After. A 5xx is not remembered, so the caller can simply retry.
 */
export function createIdempotency({ db }: { db: Db }) {
  return {
    async run(
      scope: { keyId: string; key: string },
      body: unknown,
      work: () => Promise<StoredResponse>,
    ): Promise<StoredResponse & { replayed: boolean }> {
      if (scope.key.length > 200) {
        throw new AppError('invalid_input', 400, 'Idempotency-Key: at most 200 characters', {
          details: [{ path: 'headers.idempotency-key', message: 'at most 200 characters' }],
        });
      }
      // Canonical JSON: a retry that writes its fields in another order is the same request.
      const requestHash = createHash('sha256').update(stableJson(body)).digest('hex');
      const where = and(eq(idempotencyKeys.keyId, scope.keyId), eq(idempotencyKeys.key, scope.key));
      const claimed = await db
        .insert(idempotencyKeys)
        .values({ keyId: scope.keyId, key: scope.key, requestHash })
        .onConflictDoNothing()
        .returning();
      if (claimed.length === 0) {
        const [existing] = await db.select().from(idempotencyKeys).where(where);
        if (existing && existing.requestHash !== requestHash) {
          throw new AppError(
            'idempotency_mismatch',
            422,
            'Idempotency-Key was already used with a different request body',
          );
        }
        if (existing?.statusCode != null) {
          return { statusCode: existing.statusCode, body: existing.response, replayed: true };
        }
        const taken = await db
          .update(idempotencyKeys)
          .set({ createdAt: new Date() })
          .where(
            and(
              where,
              isNull(idempotencyKeys.statusCode),
              lt(idempotencyKeys.createdAt, new Date(Date.now() - ABANDONED_AFTER_MS)),
            ),
          )
          .returning();
        if (taken.length === 0) {
          throw new AppError(
            'request_in_progress',
            409,
            'A request with this Idempotency-Key is still being processed',
            {
              headers: { 'retry-after': '1' },
            },
          );
        }
      }
      let response: StoredResponse;
      try {
        response = await work();
      } catch (error) {
        if (error instanceof AppError && error.statusCode < 500) {
          const body = { error: publicError(error) };
          await db.update(idempotencyKeys).set({ statusCode: error.statusCode, response: body }).where(where);
        } else {
          await db.delete(idempotencyKeys).where(where);
        }
        throw error;
      }
      await db.update(idempotencyKeys).set({ statusCode: response.statusCode, response: response.body }).where(where);
      return { ...response, replayed: false };
    },
  };
}
export type Idempotency = ReturnType<typeof createIdempotency>;
