import * as client from 'openid-client';
import { z } from 'zod';
import { nextPath } from './links.js';

export interface OidcOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  publicBaseUrl: string;
}

/** What the browser keeps between leaving for the provider and coming back (an HttpOnly cookie). */
const flowSchema = z.strictObject({
  state: z.string().min(16).max(200),
  nonce: z.string().min(16).max(200),
  verifier: z.string().min(43).max(128),
  next: nextPath.nullable(),
});

export interface Identity {
  email: string;
  name: string | undefined;
  next: string | null;
}

export class OidcError extends Error {
  override name = 'OidcError';
}

/**
 * OpenID Connect sign-in (authorization code with PKCE, state and nonce). The provider is
 * discovered on first use, not at start-up: an identity provider that is down must not keep
 * the service from starting, and people can still sign in by link meanwhile.
 */
export function createOidc({ issuer, clientId, clientSecret, publicBaseUrl }: OidcOptions) {
  const redirectUri = new URL('/auth/oidc/callback', publicBaseUrl).toString();
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => {
    // A plain-http issuer is a choice made in configuration (a provider on the same host).
    const options = new URL(issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined;
    discovered ??= client
      .discovery(new URL(issuer), clientId, clientSecret, undefined, options)
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  };

  return {
    /** Where to send the browser, and the flow it must bring back. */
    async start(next: string | null): Promise<{ url: string; flow: string }> {
      const flow = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        verifier: client.randomPKCECodeVerifier(),
        next,
      };
      const url = client.buildAuthorizationUrl(await configuration(), {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
      });
      return { url: url.href, flow: Buffer.from(JSON.stringify(flow)).toString('base64url') };
    },

    /** Checks the provider's answer against the flow and returns who signed in. */
    async finish(callbackQuery: string, flowCookie: string | undefined): Promise<Identity> {
      let flow: z.output<typeof flowSchema>;
      try {
        flow = flowSchema.parse(JSON.parse(Buffer.from(flowCookie ?? '', 'base64url').toString('utf8')));
      } catch {
        throw new OidcError('no sign-in under way in this browser');
      }
      const config = await configuration();
      const current = new URL(redirectUri);
      current.search = callbackQuery;
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new OidcError('no ID token');
      let {
        email,
        email_verified: verified,
        name,
      } = claims as { email?: unknown; email_verified?: unknown; name?: unknown };
      // Providers that keep the ID token small put the address in userinfo only.
      if (typeof email !== 'string') {
        const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        ({ email, email_verified: verified, name } = info);
      }
      if (typeof email !== 'string' || !email.includes('@')) throw new OidcError('the provider gave no email address');
      if (verified === false) throw new OidcError('the provider says the email address is not verified');
      return { email: email.toLowerCase(), name: typeof name === 'string' ? name : undefined, next: flow.next };
    },
  };
}

export type Oidc = ReturnType<typeof createOidc>;
