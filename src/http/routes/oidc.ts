import { type FastifyPluginAsyncZod, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Oidc } from '../../people/oidc.js';
import { nextPath } from '../../people/links.js';
import { PAGES } from '../../people/pages.js';
import { page, signedIn, type AuthRouteOptions } from './auth.js';

const tags = ['sign-in'];
const FLOW_COOKIE = 'jalon_oidc';
const FLOW_MS = 10 * 60_000;

/** Single sign-on through the configured OpenID provider, beside the emailed links. */
export function oidcRoutes(oidc: Oidc, options: AuthRouteOptions): FastifyPluginAsyncZod {
  const secure = new URL(options.publicBaseUrl).protocol === 'https:';
  const flowCookie = { path: '/auth/oidc', httpOnly: true, sameSite: 'lax' as const, secure };
  return async (app) => {
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);

    app.get(
      '/oidc',
      {
        schema: {
          tags,
          security: [],
          summary: "Sign in with the company's identity provider",
          querystring: z.object({ next: nextPath.optional() }),
        },
      },
      async (request, reply) => {
        try {
          const { url, flow } = await oidc.start(request.query.next ?? null);
          void reply.setCookie(FLOW_COOKIE, flow, { ...flowCookie, maxAge: FLOW_MS / 1000 });
          return await reply.header('cache-control', 'no-store').redirect(url, 302);
        } catch (err) {
          request.log.warn({ err }, 'identity provider unreachable');
          return page(reply, 502, PAGES.ssoFailed);
        }
      },
    );

    app.get(
      '/oidc/callback',
      {
        // The request line carries the authorization code: no access log for this route.
        logLevel: 'warn',
        schema: { tags, security: [], summary: 'Where the identity provider sends people back' },
      },
      async (request, reply) => {
        const flow = request.cookies[FLOW_COOKIE];
        void reply.clearCookie(FLOW_COOKIE, flowCookie);
        let identity;
        try {
          identity = await oidc.finish(request.url.split('?')[1] ?? '', flow);
        } catch (err) {
          request.log.warn({ err }, 'single sign-on refused');
          return page(reply, 400, PAGES.ssoFailed);
        }
        const opened = await options.people.signInWithIdentity(identity, request.headers['user-agent']);
        if (!opened) return page(reply, 403, PAGES.ssoUnknown);
        return signedIn(reply, options, opened.token, identity.next);
      },
    );
  };
}
