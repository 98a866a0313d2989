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

export function scrub(value: string): string {
  return value.replace(API_KEY, '[key]').replace(EMAIL, '[email]').replace(PHONE, '[phone]');
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
      err: (err: Error) => scrubDeep(pino.stdSerializers.err(err), 0, true),
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
