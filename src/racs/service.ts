import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, DbOrTx } from '../db/client.js';
import { racProfiles } from '../db/schema.js';
import { AppError, invalid, notFound } from '../errors.js';
import { inAgency } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import { PENDING } from '../messages/lifecycle.js';
import { racProfileSchema } from '../render/index.js';
import { signatureOf } from './profile.js';

/**
 * How a RAC signs: stored once, used by every message of their orders. The renderer's own
 * schema, so that a stored profile can always be rendered, plus the agency the RAC works for,
 * which decides who may read and change the profile.
 */
export const racProfileInputSchema = racProfileSchema.extend({
  agency: z
    .string()
    .regex(/^[A-Z0-9]{2,10}$/, 'an agency code in capitals, 2 to 10 letters or digits')
    .optional(),
});
export type RacProfileInput = z.output<typeof racProfileInputSchema>;

type Row = typeof racProfiles.$inferSelect;

function view(row: Row) {
  return {
    id: row.id,
    agency: row.agency,
    ...signatureOf(row),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A RAC key stands for one RAC, whatever the profile's agency. */
function assertSameRac(caller: Caller, id: string): void {
  if (caller.role === 'rac' && caller.racId !== id) {
    throw new AppError('forbidden', 403, `This key acts for RAC ${caller.racId ?? '?'} only`);
  }
}

/**
 * A profile of an agency is for keys of that agency (or national ones). A profile stored
 * before profiles had an agency, and whose RAC has no order to take it from, is for national
 * keys until one of them gives it an agency.
 */
function assertAgencyOf(caller: Caller, agency: string | null): void {
  const reached = agency === null ? caller.agency === '*' : inAgency(caller, agency);
  if (!reached) {
    throw new AppError(
      'forbidden',
      403,
      `RAC profile of ${agency === null ? 'no agency' : `agency ${agency}`} is outside this key's scope (agency ${caller.agency})`,
    );
  }
}

const find = async (db: DbOrTx, id: string, lock = false) => {
  const query = db.select().from(racProfiles).where(eq(racProfiles.id, id));
  const [row] = lock ? await query.for('update') : await query;
  return row;
};

/**
 * One event in the history of every order of the RAC with a message still to send: the
 * signature those messages carry changes (rendered again as a follow-up, src/messages/freshness.ts).
 */
async function recordProfileChange(tx: DbOrTx, id: string, caller: Caller, at: Date): Promise<void> {
  const pending = sql.join(
    PENDING.map((status) => sql`${status}`),
    sql`, `,
  );
  await tx.execute(sql`with ev as (
      insert into history_events (project_ref, type, actor, data, at)
      select distinct m.project_ref, 'rac.profile_updated', ${caller.name}, ${JSON.stringify({ racId: id })}::jsonb,
        ${at.toISOString()}::timestamptz
      from messages m where m.rac_id = ${id} and m.status in (${pending})
      returning id, at)
    insert into event_outbox (event_id, available_at) select id, at from ev`);
}

export function createRacs({ db, now }: { db: Db; now: () => Date }) {
  async function put(
    id: string,
    input: RacProfileInput,
    caller: Caller,
    attempt = 1,
  ): Promise<ReturnType<typeof view>> {
    assertSameRac(caller, id);
    const outcome = await db.transaction(async (tx) => {
      const existing = await find(tx, id, true);
      if (existing) assertAgencyOf(caller, existing.agency);
      const agency = input.agency ?? existing?.agency ?? (caller.agency === '*' ? null : caller.agency);
      if (agency === null) {
        throw invalid([
          {
            path: 'body.agency',
            message: 'required: the agency this RAC works for (a national key has none of its own)',
          },
        ]);
      }
      assertAgencyOf(caller, agency);
      const values = {
        agency,
        displayName: input.displayName,
        title: input.title ?? null,
        phone: input.phone ?? null,
        email: input.email ?? null,
        photoUrl: input.photoUrl ?? null,
        gender: input.gender ?? null,
        updatedAt: now(),
      };
      // An insert that finds the profile created by a concurrent request since the read
      // returns nothing: the whole put is tried again, checked against that one.
      const [row] = existing
        ? await tx.update(racProfiles).set(values).where(eq(racProfiles.id, id)).returning()
        : await tx
            .insert(racProfiles)
            .values({ id, ...values })
            .onConflictDoNothing()
            .returning();
      if (row) await recordProfileChange(tx, id, caller, now());
      return row;
    });
    if (outcome) return view(outcome);
    if (attempt > 1) throw new AppError('conflict', 409, `RAC profile ${id} is being changed by another request`);
    return put(id, input, caller, attempt + 1);
  }

  async function get(id: string, caller: Caller) {
    assertSameRac(caller, id);
    const row = await find(db, id);
    if (!row) throw notFound(`RAC profile ${id}`);
    assertAgencyOf(caller, row.agency);
    return view(row);
  }

  return { put, get };
}
export type Racs = ReturnType<typeof createRacs>;
