import type { EmailSender } from '../channels/types.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import { createSignInLinks } from './links.js';
import { createOidc, type Identity } from './oidc.js';
import { loadMailBrand } from './mail.js';
import { createSessions, type SignInMethod } from './sessions.js';
import { createUsers } from './users.js';

export interface PeopleDeps {
  db: Db;
  now: () => Date;
  email: EmailSender;
  logger: Logger;
  /** The templates folder in use, whose brand the sign-in mail wears. */
  templatesDir: string;
  config: Pick<
    Config,
    | 'PUBLIC_BASE_URL'
    | 'SESSION_IDLE_MINUTES'
    | 'SESSION_MAX_HOURS'
    | 'OIDC_ISSUER'
    | 'OIDC_CLIENT_ID'
    | 'OIDC_CLIENT_SECRET'
    | 'OIDC_CREATE_USERS'
    | 'OIDC_DEFAULT_ROLE'
    | 'OIDC_DEFAULT_AGENCY'
  >;
}

/** People who sign in: who they are, their sessions, and the links that open them. */
export async function createPeople({ db, now, email, logger, templatesDir, config }: PeopleDeps) {
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
    brand: await loadMailBrand(templatesDir),
    publicBaseUrl: config.PUBLIC_BASE_URL,
    logger,
  });

  const oidc =
    config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET
      ? createOidc({
          issuer: config.OIDC_ISSUER,
          clientId: config.OIDC_CLIENT_ID,
          clientSecret: config.OIDC_CLIENT_SECRET,
          publicBaseUrl: config.PUBLIC_BASE_URL,
        })
      : undefined;
  const newcomers =
    config.OIDC_CREATE_USERS && config.OIDC_DEFAULT_ROLE && config.OIDC_DEFAULT_AGENCY
      ? { role: config.OIDC_DEFAULT_ROLE, agency: config.OIDC_DEFAULT_AGENCY }
      : undefined;

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
    oidc,
    /**
     * Signs in the person the identity provider vouched for, matched by email; someone
     * unknown is created only when configuration says with which role and agency.
     */
    async signInWithIdentity(identity: Identity, userAgent: string | undefined) {
      let user = await users.findActiveByEmail(identity.email);
      if (!user && newcomers) {
        const displayName = identity.name?.trim().slice(0, 100) || identity.email.split('@')[0] || identity.email;
        user = await users.createFromSignIn({ email: identity.email, displayName, ...newcomers });
      }
      return user ? signIn(user.id, 'oidc', userAgent) : undefined;
    },
  };
}

export type People = Awaited<ReturnType<typeof createPeople>>;
