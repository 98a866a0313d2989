import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { type FastifyPluginAsyncZod, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { AttemptLimiter } from '../../keys/attempts.js';
import type { People } from '../../people/index.js';
import { nextPath } from '../../people/links.js';
import { PAGES } from '../../people/pages.js';
import { emailField } from '../../people/users.js';
import { assertSameOrigin, clearSessionCookie, sessionCookie, setSessionCookie } from '../auth.js';

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

    app.get(
      '/callback',
      {
        // The request line carries the link's token: no access log for this route.
        logLevel: 'warn',
        schema: {
          tags,
          security: [],
          summary: 'Open a session from an emailed link, then go to the console',
          querystring: z.object({ token: z.string().max(200).optional() }),
        },
      },
      async (request, reply) => {
        const wait = failures.retryAfter(request.ip);
        if (wait > 0) return page(reply.header('retry-after', String(wait)), 429, PAGES.tooMany);
        const opened = await people.signInWithLink(request.query.token ?? '', request.headers['user-agent']);
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
