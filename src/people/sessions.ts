import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq, gt, isNotNull, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { sessions, users } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import type { Caller } from '../keys/service.js';

export type SignInMethod = (typeof sessions.$inferSelect)['method'];

/** A person's caller, with the session the request came with. */
export type SessionCaller = Caller & { kind: 'user'; sessionId: string };

export interface SessionView {
  id: string;
  method: SignInMethod;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  current: boolean;
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
/** 256 random bits; the cookie carries it, the database only its hash. */
export const newToken = () => randomBytes(32).toString('base64url');
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

// Writing last_seen_at on every request would turn reads into writes; once a minute is enough.
const TOUCH_AFTER_MS = 60_000;

export interface SessionOptions {
  db: Db;
  now: () => Date;
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  maxMs: number;
}

export function createSessions({ db, now, idleMs, maxMs }: SessionOptions) {
  return {
    maxMs,

    async open(userId: string, method: SignInMethod, userAgent: string | undefined) {
      const token = newToken();
      const at = now();
      // Each sign-in sweeps the person's ended sessions: the table never grows without bound.
      await db
        .delete(sessions)
        .where(
          and(
            eq(sessions.userId, userId),
            or(
              lt(sessions.expiresAt, at),
              lt(sessions.lastSeenAt, new Date(at.getTime() - idleMs)),
              isNotNull(sessions.revokedAt),
            ),
          ),
        );
      await db.insert(sessions).values({
        id: randomUUID(),
        tokenHash: hashToken(token),
        userId,
        method,
        userAgent: userAgent?.slice(0, 200) ?? null,
        createdAt: at,
        lastSeenAt: at,
        expiresAt: new Date(at.getTime() + maxMs),
      });
      return { token };
    },

    /** The caller for a live session of an active person, or undefined. Reads roles afresh. */
    async authenticate(token: string): Promise<SessionCaller | undefined> {
      if (!TOKEN.test(token)) return undefined;
      const at = now();
      const [row] = await db
        .select({ session: sessions, user: users })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(
          and(
            eq(sessions.tokenHash, hashToken(token)),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, at),
            gt(sessions.lastSeenAt, new Date(at.getTime() - idleMs)),
            isNull(users.deactivatedAt),
          ),
        );
      if (!row) return undefined;
      if (row.session.lastSeenAt.getTime() < at.getTime() - TOUCH_AFTER_MS) {
        await db.update(sessions).set({ lastSeenAt: at }).where(eq(sessions.id, row.session.id));
      }
      const { user } = row;
      return {
        kind: 'user',
        id: user.id,
        name: user.displayName,
        role: user.role,
        agency: user.agency,
        racId: user.racId,
        sessionId: row.session.id,
      };
    },

    /** The person's sessions still open, newest first. */
    async list(caller: SessionCaller): Promise<SessionView[]> {
      const at = now();
      const rows = await db
        .select()
        .from(sessions)
        .where(
          and(
            eq(sessions.userId, caller.id),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, at),
            gt(sessions.lastSeenAt, new Date(at.getTime() - idleMs)),
          ),
        )
        .orderBy(desc(sessions.createdAt), desc(sessions.id));
      return rows.map((row) => ({
        id: row.id,
        method: row.method,
        userAgent: row.userAgent,
        createdAt: row.createdAt.toISOString(),
        lastSeenAt: row.lastSeenAt.toISOString(),
        expiresAt: new Date(Math.min(row.expiresAt.getTime(), row.lastSeenAt.getTime() + idleMs)).toISOString(),
        current: row.id === caller.sessionId,
      }));
    },

    /** Ends one of the caller's own sessions; another person's is not found. */
    async revoke(caller: SessionCaller, id: string): Promise<void> {
      const [row] = await db
        .update(sessions)
        .set({ revokedAt: now() })
        .where(and(eq(sessions.id, id), eq(sessions.userId, caller.id), isNull(sessions.revokedAt)))
        .returning({ id: sessions.id });
      if (!row) throw notFound(`Session ${id}`);
    },

    /** Signs out the browser holding this token. */
    async end(token: string): Promise<void> {
      if (!TOKEN.test(token)) return;
      await db
        .update(sessions)
        .set({ revokedAt: now() })
        .where(and(eq(sessions.tokenHash, hashToken(token)), isNull(sessions.revokedAt)));
    },
  };
}

/** Sessions are for people: an API key has none to list or end. */
export function sessionCallerOf(caller: Caller): SessionCaller {
  if (caller.kind !== 'user' || !('sessionId' in caller) || typeof caller.sessionId !== 'string') {
    throw new AppError('forbidden', 403, 'Sessions belong to people who sign in; this request carries an API key');
  }
  return caller as SessionCaller;
}

export type Sessions = ReturnType<typeof createSessions>;
