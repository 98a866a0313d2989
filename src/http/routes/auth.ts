import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { type FastifyPluginAsyncZod, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { AttemptLimiter } from '../../keys/attempts.js';
import type { People } from '../../people/index.js';
import { nextPath } from '../../people/links.js';
import { confirmPage, PAGES } from '../../people/pages.js';
import { emailField } from '../../people/users.js';
import { assertSameOrigin, clearSessionCookie, postedFromOwnPage, sessionCookie, setSessionCookie } from '../auth.js';

const tags = ['sign-in'];
const ANSWER = {
  message:
    'Si cette adresse correspond à un accès Jalon actif, un lien de connexion vient de lui être envoyé. Il est valable 15 minutes.',
};

export interface AuthRouteOptions {
  people: People;
  publicBaseUrl: string;
  /** Shared with the API's key checks: a guessed link counts as a failed authentication. */
  failures: AttemptLimiter;
  perAddress: AttemptLimiter;
  perEmail: AttemptLimiter;
}

export function page(reply: FastifyReply, status: number, html: string) {
  return reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

/** Where a signed-in person lands: the console, or the page they were sent from. */
export function signedIn(reply: FastifyReply, options: AuthRouteOptions, token: string, next: string | null) {
  setSessionCookie(reply, options.publicBaseUrl, token, options.people.sessions.maxMs);
  return reply.header('cache-control', 'no-store').redirect(next ?? '/app/', 303);
}

export function authRoutes(options: AuthRouteOptions): FastifyPluginAsyncZod {
  const { people, publicBaseUrl, failures, perAddress, perEmail } = options;
  return async (app) => {
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    // The confirm page's form, posted without script.
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 1024 },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    app.get(
      '/methods',
      {
        schema: {
          tags,
          security: [],
          summary: 'How people may sign in here: the emailed link, and SSO when configured',
        },
      },
      async () => ({ link: true, sso: people.oidc !== undefined && people.oidc !== null }),
    );

    app.post(
      '/link',
      {
        schema: {
          tags,
          security: [],
          summary: 'Mail a one-time sign-in link; the answer is the same whether the address is known or not',
          body: z.strictObject({ email: emailField, next: nextPath.optional() }),
        },
      },
      async (request, reply) => {
        const subject = createHash('sha256').update(request.body.email).digest('hex');
        const wait = Math.max(perAddress.retryAfter(request.ip), perEmail.retryAfter(subject));
        if (wait > 0) {
          throw new AppError('rate_limited', 429, `Too many sign-in requests; retry in ${wait} s`, {
            headers: { 'retry-after': String(wait) },
          });
        }
        perAddress.hit(request.ip);
        perEmail.hit(subject);
        people.links.request(request.body.email, request.body.next);
        return reply.status(202).send(ANSWER);
      },
    );

    const tokenField = z.string().max(200).optional();

    // Opening the mailed link shows a button; only its POST uses the link (see confirmPage).
    app.get(
      '/callback',
      {
        // The request line carries the link's token: no access log for this route.
        logLevel: 'warn',
        schema: {
          tags,
          security: [],
          summary: 'The page an emailed sign-in link opens: a button that signs in (the link is not used yet)',
          querystring: z.object({ token: tokenField }),
        },
      },
      async (request, reply) => {
        const wait = failures.retryAfter(request.ip);
        if (wait > 0) return page(reply.header('retry-after', String(wait)), 429, PAGES.tooMany);
        const token = request.query.token ?? '';
        if (!(await people.links.usable(token))) {
          failures.hit(request.ip);
          return page(reply, 400, PAGES.linkInvalid);
        }
        // Not no-referrer: with it, browsers post the form with `Origin: null`.
        return page(reply.header('referrer-policy', 'same-origin'), 200, confirmPage(token));
      },
    );

    app.post(
      '/callback',
      {
        logLevel: 'warn',
        schema: {
          tags,
          security: [],
          summary: 'Use an emailed sign-in link once: opens a session, then goes to the console',
          body: z.object({ token: tokenField }),
        },
      },
      async (request, reply) => {
        const wait = failures.retryAfter(request.ip);
        if (wait > 0) return page(reply.header('retry-after', String(wait)), 429, PAGES.tooMany);
        if (!postedFromOwnPage(request, publicBaseUrl)) return page(reply, 403, PAGES.foreignForm);
        const opened = await people.signInWithLink(request.body.token ?? '', request.headers['user-agent']);
        if (!opened) {
          failures.hit(request.ip);
          return page(reply, 400, PAGES.linkInvalid);
        }
        return signedIn(reply, options, opened.token, opened.next);
      },
    );

    app.post(
      '/logout',
      { schema: { tags, security: [], summary: 'Sign out: ends this browser session' } },
      async (request, reply) => {
        const token = request.cookies[sessionCookie(publicBaseUrl).name];
        if (token) {
          assertSameOrigin(request, publicBaseUrl);
          await people.sessions.end(token);
        }
        clearSessionCookie(reply, publicBaseUrl);
        return reply.status(204).send();
      },
    );
  };
}
