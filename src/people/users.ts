import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNull, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, DbOrTx } from '../db/client.js';
import { sessions, signInLinks, USER_ROLES, users } from '../db/schema.js';
import { AppError, invalid, notFound } from '../errors.js';
import { inAgency } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';

export type UserRole = (typeof USER_ROLES)[number];
type UserRow = typeof users.$inferSelect;

// No control characters: a name is shown in pages and written into mail headers.
const displayName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'at most 100 characters')
  .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'must not contain control characters');
export const emailField = z
  .email('an email address')
  .max(254, 'at most 254 characters')
  .transform((value) => value.toLowerCase());
const role = z.enum(USER_ROLES, { error: `expected one of ${USER_ROLES.join(', ')}` });
const agency = z.string().regex(/^(\*|[A-Z0-9]{2,10})$/, 'an agency code in capitals, or * for national scope');
const racId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a RAC id');

export const userInputSchema = z.strictObject({
  email: emailField,
  displayName,
  role,
  agency,
  racId: racId.optional(),
  /** Mails the person a first sign-in link (default). */
  invite: z.boolean().default(true),
});
export type UserInput = z.output<typeof userInputSchema>;

export const userPatchSchema = z.strictObject({
  email: emailField.optional(),
  displayName: displayName.optional(),
  role: role.optional(),
  agency: agency.optional(),
  racId: racId.nullable().optional(),
  /** false deactivates (and ends every session), true reactivates. */
  active: z.boolean().optional(),
});
export type UserPatch = z.output<typeof userPatchSchema>;

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  agency: string;
  racId: string | null;
  active: boolean;
  deactivatedAt: string | null;
  lastSignInAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function userView(row: UserRow): UserView {
  return {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    role: row.role,
    agency: row.agency,
    racId: row.racId,
    active: row.deactivatedAt === null,
    deactivatedAt: row.deactivatedAt?.toISOString() ?? null,
    lastSignInAt: row.lastSignInAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A RAC person is bound to one RAC id; nobody else is. */
function checkRacBinding(fields: { role: UserRole; racId: string | null }): void {
  if (fields.role === 'rac' && !fields.racId) {
    throw invalid([{ path: 'body.racId', message: 'required for the rac role: the RAC this person acts as' }]);
  }
  if (fields.role !== 'rac' && fields.racId) {
    throw invalid([{ path: 'body.racId', message: 'only a rac person is bound to a RAC' }]);
  }
}

function assertManages(caller: Caller, agencyCode: string): void {
  if (!inAgency(caller, agencyCode)) {
    throw new AppError('forbidden', 403, `This caller manages only people of agency ${caller.agency}`);
  }
}

/** Refuses, before writing, what the unique indexes would refuse. Names no personal data. */
async function assertFree(db: DbOrTx, fields: { id: string; email: string; racId: string | null; active: boolean }) {
  const [email] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.email, fields.email), ne(users.id, fields.id)));
  if (email) throw new AppError('conflict', 409, 'Another person already has this email address');
  if (fields.racId && fields.active) {
    const [rac] = await db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.racId, fields.racId), isNull(users.deactivatedAt), ne(users.id, fields.id)));
    if (rac) throw new AppError('conflict', 409, `RAC ${fields.racId} already has an active person`);
  }
}

export function createUsers({ db, now }: { db: Db; now: () => Date }) {
  const load = async (id: string, caller: Caller): Promise<UserRow> => {
    const [row] = await db.select().from(users).where(eq(users.id, id));
    if (!row) throw notFound(`Person ${id}`);
    assertManages(caller, row.agency);
    return row;
  };

  /** Changes a person; deactivating ends their sessions in the same transaction. */
  const update = async (id: string, patch: UserPatch, caller: Caller): Promise<UserView> => {
    const current = await load(id, caller);
    if (patch.agency !== undefined) assertManages(caller, patch.agency);
    const nextRole = patch.role ?? current.role;
    // Leaving the rac role unbinds the RAC id unless the patch says otherwise.
    const nextRac = patch.racId !== undefined ? patch.racId : nextRole === 'rac' ? current.racId : null;
    checkRacBinding({ role: nextRole, racId: nextRac });
    const active = patch.active ?? current.deactivatedAt === null;
    const at = now();
    return db.transaction(async (tx) => {
      await assertFree(tx, { id, email: patch.email ?? current.email, racId: nextRac, active });
      const [row] = await tx
        .update(users)
        .set({
          ...(patch.email !== undefined ? { email: patch.email } : {}),
          ...(patch.displayName !== undefined ? { displayName: patch.displayName } : {}),
          ...(patch.agency !== undefined ? { agency: patch.agency } : {}),
          role: nextRole,
          racId: nextRac,
          deactivatedAt: active ? null : (current.deactivatedAt ?? at),
          updatedAt: at,
        })
        .where(eq(users.id, id))
        .returning();
      if (!row) throw notFound(`Person ${id}`);
      if (!active) await endEverything(tx, id, at);
      return userView(row);
    });
  };

  const findActiveByEmail = async (email: string): Promise<UserRow | undefined> => {
    const [row] = await db
      .select()
      .from(users)
      .where(and(eq(users.email, email.toLowerCase()), isNull(users.deactivatedAt)));
    return row;
  };

  return {
    async create(input: UserInput, caller: Caller): Promise<UserView> {
      assertManages(caller, input.agency);
      const fields = { role: input.role, racId: input.racId ?? null };
      checkRacBinding(fields);
      const id = randomUUID();
      return db.transaction(async (tx) => {
        await assertFree(tx, { id, email: input.email, racId: fields.racId, active: true });
        const at = now();
        const [row] = await tx
          .insert(users)
          .values({
            id,
            email: input.email,
            displayName: input.displayName,
            agency: input.agency,
            ...fields,
            createdAt: at,
            updatedAt: at,
          })
          .returning();
        if (!row) throw new AppError('internal', 500, 'person not stored');
        return userView(row);
      });
    },

    list: async (caller: Caller): Promise<UserView[]> => {
      const rows = await db
        .select()
        .from(users)
        .where(caller.agency === '*' ? undefined : eq(users.agency, caller.agency))
        .orderBy(asc(users.displayName), asc(users.id));
      return rows.map(userView);
    },

    get: async (id: string, caller: Caller): Promise<UserView> => userView(await load(id, caller)),

    update,
    deactivate: (id: string, caller: Caller): Promise<UserView> => update(id, { active: false }, caller),

    /** The active person with this email, for signing in. */
    findActiveByEmail,

    async findActive(id: string): Promise<UserRow | undefined> {
      const [row] = await db
        .select()
        .from(users)
        .where(and(eq(users.id, id), isNull(users.deactivatedAt)));
      return row;
    },

    /** Creates a person on first single sign-on, when configuration allows it. */
    async createFromSignIn(fields: { email: string; displayName: string; role: UserRole; agency: string }) {
      const at = now();
      const [row] = await db
        .insert(users)
        .values({ id: randomUUID(), ...fields, racId: null, createdAt: at, updatedAt: at })
        .onConflictDoNothing()
        .returning();
      return row ?? (await findActiveByEmail(fields.email));
    },

    async recordSignIn(id: string): Promise<void> {
      await db.update(users).set({ lastSignInAt: now() }).where(eq(users.id, id));
    },
  };
}

/** A deactivated person is signed out everywhere and their pending links stop working. */
async function endEverything(tx: DbOrTx, userId: string, at: Date): Promise<void> {
  await tx
    .update(sessions)
    .set({ revokedAt: at })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
  await tx.delete(signInLinks).where(and(eq(signInLinks.userId, userId), isNull(signInLinks.usedAt)));
}

export type Users = ReturnType<typeof createUsers>;
