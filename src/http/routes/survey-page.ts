import type { FastifyReply, FastifyRequest } from 'fastify';
import { type FastifyPluginAsyncZod, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AttemptLimiter } from '../../keys/attempts.js';
import type { SurveyPages } from '../../surveys/page.js';
import { answerSchema, type Looked, type Surveys } from '../../surveys/service.js';
import { postedFromOwnPage } from '../auth.js';

export interface SurveyPageOptions {
  surveys: Surveys;
  pages: SurveyPages;
  /** Requests per client address: opening and answering alike. */
  limiter: AttemptLimiter;
  publicBaseUrl: string;
}

const tags = ['survey'];
const params = z.object({ token: z.string().max(200) });

/**
 * The client's survey page: public, no sign-in, no script. GET shows the form (and only says
 * the link was opened: mail gateways open every link of a mail); POST records the answer.
 */
export function surveyPageRoutes({ surveys, pages, limiter, publicBaseUrl }: SurveyPageOptions): FastifyPluginAsyncZod {
  const send = (reply: FastifyReply, status: number, html: string) =>
    reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', pages.csp)
      // Not no-referrer: with it, browsers post the form with `Origin: null`.
      .header('referrer-policy', 'same-origin')
      .header('x-robots-tag', 'noindex')
      .send(html);

  /** Counts the request; a 429 page once the address asked too often this minute. */
  const limited = (request: FastifyRequest, reply: FastifyReply) => {
    const wait = limiter.retryAfter(request.ip);
    if (wait > 0) return send(reply.header('retry-after', String(wait)), 429, pages.tooMany);
    limiter.hit(request.ip);
    return undefined;
  };

  const closed = (reply: FastifyReply, looked: Exclude<Looked, { state: 'open' }>) =>
    looked.state === 'expired' ? send(reply, 410, pages.expired) : send(reply, 404, pages.unknown);

  return async (app) => {
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16 * 1024 },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    app.get(
      '/:token',
      {
        // The path carries the recipient's token: no access log for this route.
        logLevel: 'warn',
        schema: {
          tags,
          security: [],
          summary: 'The survey page a mail links to; records that it was opened, never an answer',
          params,
          querystring: z.object({ note: z.string().max(10).optional() }),
        },
      },
      async (request, reply) => {
        const refused = limited(request, reply);
        if (refused) return refused;
        const looked = await surveys.open(request.params.token);
        if (looked.state !== 'open') return closed(reply, looked);
        const chosen = Number(request.query.note);
        const note = Number.isInteger(chosen) && chosen >= 1 && chosen <= 5 ? chosen : undefined;
        return send(reply, 200, pages.form(looked.view, request.url.split('?')[0] ?? '', note));
      },
    );

    app.post(
      '/:token',
      {
        logLevel: 'warn',
        // A bad rating shows the form again, with what is wrong, rather than an API error.
        attachValidation: true,
        schema: {
          tags,
          security: [],
          summary: 'Records the answer of the survey form (a rating from 1 to 5, an optional comment)',
          params,
          body: answerSchema,
        },
      },
      async (request, reply) => {
        const refused = limited(request, reply);
        if (refused) return refused;
        const action = request.url.split('?')[0] ?? '';
        if (!postedFromOwnPage(request, publicBaseUrl)) return send(reply, 403, pages.foreignForm);
        if (request.validationError) {
          const looked = await surveys.look(request.params.token);
          if (looked.state !== 'open') return closed(reply, looked);
          const problem = request.validationError.message.includes('comment')
            ? 'Votre commentaire dépasse 2\u00a0000 caractères\u00a0: raccourcissez-le, puis envoyez à nouveau.'
            : 'Choisissez une note de 1 à 5, puis envoyez à nouveau.';
          return send(reply, 400, pages.form(looked.view, action, undefined, problem));
        }
        const looked = await surveys.answer(request.params.token, request.body);
        if (looked.state !== 'open') return closed(reply, looked);
        return send(reply, 200, pages.thanks(looked.view));
      },
    );
  };
}
