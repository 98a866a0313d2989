import { DrizzleQueryError } from 'drizzle-orm';
import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Logs are shipped to systems with wider access than the database, so personal data must
 * never reach them. Known fields are removed by path; anything that still looks like an
 * email address, a phone number or an API key inside a string is masked by `scrub`.
 */

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// French and international numbers as people write them: +33 6 12…, 06.12…, 0033…
const PHONE = /(?:\+|00)\d[\d\s.-]{7,16}\d|\b0[1-9](?:[\s.-]?\d{2}){4}\b/g;
const API_KEY = /jln_[A-Za-z0-9]{8}_[A-Za-z0-9]+/g;
// A SHA-256 in hex: a stored key's hash is as good as a lead to the key's row.
const HASH = /\b[0-9a-fA-F]{64}\b/g;

export function scrub(value: string): string {
  return value.replace(API_KEY, '[key]').replace(HASH, '[hash]').replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

/**
 * Masks strings at any depth. Class instances (requests) are left to their serializers, which
 * see their getters, unless `all` is set (for the output of a serializer).
 */
function scrubDeep(value: unknown, depth = 0, all = false): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, depth + 1, all));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!all && proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubDeep(item, depth + 1, all)]));
}

/**
 * A failed query carries its SQL and every parameter (names, addresses, rendered mails, key
 * hashes) in its message, its stack and its properties; the database's own error adds the
 * offending values in `detail`. Only what says what went wrong is kept.
 */
const isQueryError = (err: Error): boolean => err instanceof DrizzleQueryError || ('query' in err && 'params' in err);
const isDatabaseError = (err: Error & { code?: unknown }): boolean =>
  typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) && 'severity' in err;
const DATABASE_FIELDS = ['code', 'severity', 'constraint', 'table', 'column'] as const;

/** The stack without its first line, which repeats the message. */
function framesOf(err: Error): string {
  const head = String(err);
  return err.stack?.startsWith(head) ? err.stack.slice(head.length).replace(/^\n/, '') : '';
}

function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const cause = depth < 5 && err.cause !== undefined ? serializeError(err.cause, depth + 1) : undefined;
  const withCause = cause === undefined ? {} : { cause };
  // First: PGlite's own error also carries the query and its parameters.
  if (isDatabaseError(err)) {
    const fields = Object.fromEntries(
      DATABASE_FIELDS.flatMap((key) => (key in err ? [[key, (err as unknown as Record<string, unknown>)[key]]] : [])),
    );
    return { type: err.name, message: err.message, ...fields, ...withCause };
  }
  if (isQueryError(err)) {
    return {
      type: 'DrizzleQueryError',
      message: 'Failed query (its text and parameters are not logged)',
      stack: framesOf(err),
      ...withCause,
    };
  }
  // pino's serializer of this error alone: its causes are serialized above, each by its kind.
  const alone = Object.assign(Object.create(Object.getPrototypeOf(err) as object) as Error, err);
  Object.defineProperties(alone, { message: { value: err.message }, stack: { value: err.stack } });
  delete (alone as { cause?: unknown }).cause;
  return { ...pino.stdSerializers.err(alone), ...withCause };
}

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-twilio-signature"]',
  'headers.authorization',
  '*.email',
  '*.mobile',
  '*.phone',
  '*.to',
  '*.cc',
  '*.replyTo',
  '*.password',
  '*.token',
  '*.key',
  'email',
  'mobile',
  'phone',
  'to',
  'cc',
  'key',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: {
      // Bindings and merged objects go through the same scrubbing as messages.
      log: (object) => scrubDeep(object) as Record<string, unknown>,
      bindings: (bindings) => scrubDeep(bindings) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg)) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
    serializers: {
      // Errors carry more than a message: query parameters, SMTP responses, causes.
      err: (err: Error) => scrubDeep(serializeError(err), 0, true),
      req: (req: { method?: string; url?: string; id?: string }) => ({
        method: req.method,
        url: scrub(String(req.url ?? '')),
        id: req.id,
      }),
    },
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}

export type { Logger };
