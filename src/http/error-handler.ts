import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { databaseUnavailable } from '../db/unavailable.js';
import { AppError, type FieldIssue, invalid, publicError } from '../errors.js';

/** A moment: pool waits and reconnections are a few seconds at most. */
const DATABASE_RETRY_AFTER_S = 2;

interface ErrorBody {
  error: { code: string; message: string; details?: unknown; detailsTotal?: number; requestId: string };
}

// Fastify's own client errors, renamed into this API's vocabulary.
const FASTIFY_CODES: Record<string, { code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'body_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_input', message: 'body: a JSON body is required' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_json' },
  FST_ERR_RATE_LIMIT_EXCEEDED: { code: 'rate_limited' },
};

function validationDetails(error: FastifyError): FieldIssue[] {
  const context = (error as { validationContext?: string }).validationContext ?? 'body';
  return (error.validation ?? []).flatMap((issue) => {
    const raw = issue as unknown as {
      keyword?: string;
      instancePath?: string;
      params?: { keys?: string[] };
      message?: string;
    };
    const path = raw.instancePath?.replace(/^\//, '').replaceAll('/', '.') ?? '';
    const base = path ? `${context}.${path}` : context;
    // Name each unknown field by its own path, where zod reports it on the object holding it.
    if (raw.keyword === 'unrecognized_keys' && raw.params?.keys?.length) {
      return raw.params.keys.map((key) => ({ path: `${base}.${key}`, message: `unknown field "${key}"` }));
    }
    return [{ path: base, message: raw.message ?? 'invalid' }];
  });
}

/**
 * Errors the router raises before any route or error handler runs: a path that does not
 * decode (percent-encoded bytes that are not UTF-8, which would be lone surrogates) or a
 * parameter longer than the router takes. Answered in this API's vocabulary, without echoing
 * the path.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'a path segment is longer than any identifier'
      : 'not a valid URL (a percent-encoded sequence that is not UTF-8)';
  const issue = { path: 'url', message };
  void reply
    .status(400)
    .header('x-request-id', request.id)
    .send({
      error: { code: 'invalid_input', message: `url: ${message}`, details: [issue], requestId: String(request.id) },
    });
}

/** The one place where errors become responses. 5xx never leak internals. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const requestId = String(request.id);
    const send = (status: number, body: Omit<ErrorBody['error'], 'requestId'>) =>
      reply.status(status).send({ error: { ...body, requestId } } satisfies ErrorBody);

    // Schema validation failures become the same 400 a domain check would raise.
    const appError =
      error instanceof AppError
        ? error
        : hasZodFastifySchemaValidationErrors(error) || error.validation
          ? invalid(validationDetails(error))
          : undefined;
    if (appError && appError.statusCode < 500) {
      if (appError.headers) void reply.headers(appError.headers);
      return send(appError.statusCode, publicError(appError));
    }
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    const status = appError?.statusCode ?? error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // Say which limit: the site-list import has its own, larger than the JSON routes'.
      const limit = request.routeOptions.bodyLimit;
      return send(413, { code: 'body_too_large', message: `body: larger than the ${limit} bytes this route accepts` });
    }
    if (!appError && status < 500) {
      return send(status, { code: known?.code ?? 'bad_request', message: known?.message ?? error.message });
    }
    if (databaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      void reply.header('retry-after', String(DATABASE_RETRY_AFTER_S));
      return send(503, {
        code: 'database_unavailable',
        message: `The database is unavailable for a moment; retry in ${DATABASE_RETRY_AFTER_S} s (a POST with the same Idempotency-Key)`,
      });
    }
    request.log.error({ err: error }, 'request failed');
    return send(status, {
      code: 'internal',
      message: `Internal error; quote request id ${requestId} when reporting it`,
    });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: {
        code: 'not_found',
        message: `No route ${request.method} ${request.url.split('?')[0]}`,
        requestId: String(request.id),
      },
    }),
  );
}
