import type { EmailSender } from '../channels/types.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import { createSignInLinks } from './links.js';
import { loadMailBrand } from './mail.js';
import { createSessions, type SignInMethod } from './sessions.js';
import { createUsers } from './users.js';

export interface PeopleDeps {
  db: Db;
  now: () => Date;
  email: EmailSender;
  logger: Logger;
  config: Pick<Config, 'PUBLIC_BASE_URL' | 'TEMPLATES_DIR' | 'SESSION_IDLE_MINUTES' | 'SESSION_MAX_HOURS'>;
}

/** People who sign in: who they are, their sessions, and the links that open them. */
export async function createPeople({ db, now, email, logger, config }: PeopleDeps) {
  const users = createUsers({ db, now });
  const sessions = createSessions({
    db,
    now,
    idleMs: config.SESSION_IDLE_MINUTES * 60_000,
    maxMs: config.SESSION_MAX_HOURS * 3_600_000,
  });
  const links = createSignInLinks({
    db,
    now,
    users,
    email,
    brand: await loadMailBrand(config.TEMPLATES_DIR),
    publicBaseUrl: config.PUBLIC_BASE_URL,
    logger,
  });

  /** Opens a session for an active person; undefined when they cannot sign in. */
  async function signIn(userId: string, method: SignInMethod, userAgent: string | undefined) {
    const user = await users.findActive(userId);
    if (!user) return undefined;
    await users.recordSignIn(user.id);
    return sessions.open(user.id, method, userAgent);
  }

  return {
    users,
    sessions,
    links,
    signIn,
    /** Uses an emailed link: the session's token and where to go next, or undefined. */
    async signInWithLink(token: string, userAgent: string | undefined) {
      const link = await links.consume(token);
      if (!link) return undefined;
      const opened = await signIn(link.userId, 'link', userAgent);
      return opened && { token: opened.token, next: link.next };
    },
  };
}

export type People = Awaited<ReturnType<typeof createPeople>>;
