import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db } from '../db/client.js';
import { racProfiles } from '../db/schema.js';
import { notFound } from '../errors.js';
import { racProfileSchema } from '../render/index.js';

/**
 * How a RAC signs: stored once, used by every message of their orders. The renderer's own
 * schema, so that a stored profile can always be rendered.
 */
export const racProfileInputSchema = racProfileSchema;
export type RacProfileInput = z.output<typeof racProfileInputSchema>;

function view(row: typeof racProfiles.$inferSelect) {
  return {
    id: row.id,
    displayName: row.displayName,
    ...(row.title ? { title: row.title } : {}),
    ...(row.phone ? { phone: row.phone } : {}),
    ...(row.email ? { email: row.email } : {}),
    ...(row.photoUrl ? { photoUrl: row.photoUrl } : {}),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function createRacs({ db }: { db: Db }) {
  return {
    async put(id: string, input: RacProfileInput) {
      const values = {
        displayName: input.displayName,
        title: input.title ?? null,
        phone: input.phone ?? null,
        email: input.email ?? null,
        photoUrl: input.photoUrl ?? null,
        updatedAt: new Date(),
      };
      const [row] = await db
        .insert(racProfiles)
        .values({ id, ...values })
        .onConflictDoUpdate({ target: racProfiles.id, set: values })
        .returning();
      if (!row) throw notFound(`RAC ${id}`);
      return view(row);
    },
    async get(id: string) {
      const [row] = await db.select().from(racProfiles).where(eq(racProfiles.id, id));
      if (!row) throw notFound(`RAC profile ${id}`);
      return view(row);
    },
  };
}
export type Racs = ReturnType<typeof createRacs>;
