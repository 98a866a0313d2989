import { randomUUID } from 'node:crypto';
import { and, eq, gt, isNull, lt, or, isNotNull } from 'drizzle-orm';
import { z } from 'zod';
import type { EmailSender } from '../channels/types.js';
import type { Db } from '../db/client.js';
import { signInLinks } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { linkMail, type MailBrand } from './mail.js';
import { hashToken, newToken } from './sessions.js';
import type { Users } from './users.js';

export const LINK_TTL_MS = 15 * 60_000;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Where to go after signing in: a path of this service, never another origin. `//evil` and
 * `/\evil` are read by browsers as other hosts, so a path must start with one slash only.
 */
export const nextPath = z
  .string()
  .max(500, 'at most 500 characters')
  .refine((value) => {
    if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(value)) return false;
    const base = 'http://jalon.invalid';
    return new URL(value, base).origin === base;
  }, 'a path of this service, starting with a single /');

/** The link of this token, not used yet and not expired at `at`. */
const unused = (token: string, at: Date) =>
  and(eq(signInLinks.tokenHash, hashToken(token)), isNull(signInLinks.usedAt), gt(signInLinks.expiresAt, at));

export interface LinkOptions {
  db: Db;
  now: () => Date;
  users: Users;
  email: EmailSender;
  brand: MailBrand;
  publicBaseUrl: string;
  logger: Logger;
}

/**
 * One-time sign-in links. Asking for one answers at once and does the work afterwards, so
 * that the answer (and its timing) is the same whether the address is known or not.
 */
export function createSignInLinks({ db, now, users, email, brand, publicBaseUrl, logger }: LinkOptions) {
  const pending = new Set<Promise<void>>();
  const later = (work: () => Promise<void>) => {
    const task = work()
      // The address is personal data: the log says what failed, not for whom.
      .catch((err: unknown) => logger.error({ err }, 'sign-in link not sent'))
      .finally(() => pending.delete(task));
    pending.add(task);
  };

  async function send(
    user: { id: string; email: string; displayName: string },
    next: string | undefined,
    invitation: boolean,
  ) {
    const token = newToken();
    const at = now();
    // Links of this person that can no longer be used go when a new one is made.
    await db
      .delete(signInLinks)
      .where(and(eq(signInLinks.userId, user.id), or(lt(signInLinks.expiresAt, at), isNotNull(signInLinks.usedAt))));
    await db.insert(signInLinks).values({
      tokenHash: hashToken(token),
      userId: user.id,
      next: next ?? null,
      createdAt: at,
      expiresAt: new Date(at.getTime() + LINK_TTL_MS),
    });
    const url = new URL('/auth/callback', publicBaseUrl);
    url.searchParams.set('token', token);
    const mail = linkMail({
      brand,
      displayName: user.displayName,
      url: url.toString(),
      minutes: LINK_TTL_MS / 60_000,
      invitation,
    });
    await email.send({
      id: randomUUID(),
      to: [{ address: user.email, name: user.displayName }],
      cc: [],
      replyTo: null,
      ...mail,
    });
  }

  return {
    /** Mails a link if the address belongs to an active person; says nothing either way. */
    request(address: string, next: string | undefined): void {
      later(async () => {
        const user = await users.findActiveByEmail(address);
        if (user) await send(user, next, false);
      });
    },

    /** The first sign-in link of a newly invited person. */
    invite(user: { id: string; email: string; displayName: string }): void {
      later(() => send(user, undefined, true));
    },

    /** Whether a link could still be used, without using it (what opening the mailed link does). */
    async usable(token: string): Promise<boolean> {
      if (!TOKEN.test(token)) return false;
      const [row] = await db.select({ userId: signInLinks.userId }).from(signInLinks).where(unused(token, now()));
      return row !== undefined;
    },

    /** Uses a link once: the person it opens a session for, or undefined. */
    async consume(token: string): Promise<{ userId: string; next: string | null } | undefined> {
      if (!TOKEN.test(token)) return undefined;
      const at = now();
      const [row] = await db
        .update(signInLinks)
        .set({ usedAt: at })
        .where(unused(token, at))
        .returning({ userId: signInLinks.userId, next: signInLinks.next });
      return row;
    },

    /** Waits for the mails still being sent (at shutdown, and in tests). */
    async settle(): Promise<void> {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}

export type SignInLinks = ReturnType<typeof createSignInLinks>;
