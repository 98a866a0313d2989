import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { brandSchema } from './render/brand.js';

/**
 * The environment of the service, parsed once. This is the only module that reads
 * `process.env`; everything else receives a `Config`.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(min, `expected at least ${min}`)
    .max(max, `expected at most ${max}`);

/** A comma-separated list, each item checked. */
const list = (item: RegExp, what: string) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(item, `expected ${what}`)));

/** The templates folder next to the code: templates/ from src/, dist/templates from dist/src/. */
const BUNDLED_TEMPLATES = fileURLToPath(new URL('../templates', import.meta.url));

// Replies go to the RAC, but bounces and stray replies to the sending address must reach a mailbox.
const NO_REPLY = /no-?reply|ne-?pas-?r[ée]pondre/i;

const envSchema = z
  .object({
    PORT: int(0, 65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
    DATABASE_POOL_SIZE: int(1, 200).default(10),
    DATA_DIR: z.string().min(1).default('./data'),
    REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:{}_-]+$/, 'letters, digits, ":", "{", "}", "_" or "-"')
      .default('{jalon}'),
    EMAIL_TRANSPORT: z.enum(['smtp', 'outbox'], { error: 'expected smtp or outbox' }).default('outbox'),
    OUTBOX_DIR: z.string().min(1).default('./outbox'),
    SMTP_URL: url(['smtp:', 'smtps:']).optional(),
    // Unset: the sender of the brand file (templates/brand.json), see withDerivedDefaults.
    EMAIL_FROM: z
      .string()
      .min(3)
      .refine((value) => !NO_REPLY.test(value), 'a monitored address, not a no-reply one')
      .optional(),
    SMS_TRANSPORT: z.enum(['twilio', 'outbox'], { error: 'expected twilio or outbox' }).default('outbox'),
    TWILIO_ACCOUNT_SID: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'expected AC followed by 32 hex digits')
      .optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_FROM: z
      .string()
      .regex(/^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/, 'expected an alphanumeric sender of 1 to 11 characters')
      .optional(),
    TWILIO_API_BASE_URL: url(['http:', 'https:']).optional(),
    // Unset: the address the API listens on (HOST and PORT), see withDerivedDefaults.
    PUBLIC_BASE_URL: url(['http:', 'https:']).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    BODY_LIMIT_BYTES: int(1024, 50 * 1024 * 1024).default(2 * 1024 * 1024),
    RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(600),
    // Site-list imports: a file larger than this is refused with 413, one with more lines with 400.
    CSV_MAX_BYTES: int(1024, 100 * 1024 * 1024).default(5 * 1024 * 1024),
    CSV_MAX_ROWS: int(1, 100_000).default(5000),
    // Load shedding: past one of these limits the API answers 503 with Retry-After; 0 turns a check off.
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: int(0, 600_000).default(1_000),
    OVERLOAD_MAX_EVENT_LOOP_UTILIZATION: z.coerce
      .number({ error: 'expected a number between 0 and 1' })
      .min(0, 'expected a number between 0 and 1')
      .max(1, 'expected a number between 0 and 1')
      .default(0),
    OVERLOAD_MAX_HEAP_USED_BYTES: int(0, Number.MAX_SAFE_INTEGER).default(0),
    OVERLOAD_MAX_RSS_BYTES: int(0, Number.MAX_SAFE_INTEGER).default(0),
    BOOTSTRAP_ADMIN_KEY: z
      .string()
      .regex(/^jln_[A-Za-z0-9]{8}_[A-Za-z0-9]{32,}$/, 'expected a key of the form jln_XXXXXXXX_…')
      .optional(),
    // Unset: the templates shipped with the code (templates/, or dist/templates once compiled).
    TEMPLATES_DIR: z
      .string()
      .min(1)
      .default(BUNDLED_TEMPLATES)
      .transform((dir) => resolve(dir)),
    TEMPLATES_WATCH: bool.default(false),
    SHUTDOWN_TIMEOUT_MS: int(100, 120_000).default(10_000),
    EMAIL_CONCURRENCY: int(1, 500).default(10),
    SMS_CONCURRENCY: int(1, 500).default(5),
    SEND_ATTEMPTS: int(1, 50).default(8),
    SEND_BACKOFF_MS: int(1, 3_600_000).default(5_000),
    WORKER_LOCK_MS: int(1_000, 600_000).default(30_000),
    RECONCILE_INTERVAL_MS: int(500, 86_400_000).default(60_000),
    // How often the follow-up dispatcher looks for committed events once the outbox is empty.
    FOLLOWUP_INTERVAL_MS: int(10, 60_000).default(250),
    // Domains of the operator's own people, who may be addressed besides the order's contacts.
    INTERNAL_EMAIL_DOMAINS: list(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'a domain such as operateur.example').default([]),
    // Countries an SMS may be sent to: France and its overseas departments and territories.
    SMS_COUNTRIES: list(/^[A-Z]{2}$/, 'a two-letter country code such as FR').default([
      'FR',
      'GP',
      'MQ',
      'GF',
      'RE',
      'YT',
      'PM',
      'BL',
      'MF',
      'WF',
      'PF',
      'NC',
    ]),
    // Message contents and contact details are kept this long after an order's last activity.
    RETENTION_DAYS: int(1, 36_500).default(1095),
    PURGE_INTERVAL_MS: int(1_000, 7 * 86_400_000).default(86_400_000),
    // Shifts the service clock (staging rehearsals, end-to-end tests of reminders).
    CLOCK_OFFSET_MS: z.coerce.number({ error: 'expected a number of milliseconds' }).int().default(0),
    DKIM_DOMAIN: z.string().min(1).optional(),
    DKIM_SELECTOR: z.string().min(1).optional(),
    DKIM_PRIVATE_KEY: z.string().min(1).optional(),
    // Behind a reverse proxy, the client address (for per-address limits) is in X-Forwarded-For:
    // name the proxies' addresses (comma-separated, CIDR allowed), or `true` to trust any. Never
    // set it on a directly exposed port: clients could then choose their own address.
    TRUST_PROXY: z
      .union([bool, z.string().regex(/^[0-9A-Fa-f.:/]+(,\s*[0-9A-Fa-f.:/]+)*$/)], {
        error: 'expected true, false or a list of proxy addresses',
      })
      .default(false),
    AUTH_FAILURES_PER_MINUTE: int(1, 1_000_000).default(20),
    SIGN_IN_PER_ADDRESS_PER_HOUR: int(1, 1_000_000).default(30),
    SIGN_IN_PER_EMAIL_PER_HOUR: int(1, 1_000_000).default(5),
    SESSION_IDLE_MINUTES: int(1, 525_600).default(480),
    SESSION_MAX_HOURS: int(1, 8_760).default(168),
    // Outbound webhooks to the order tools (Standard Webhooks). Private, loopback and link-local
    // targets are refused unless allowed (tests, development on one machine).
    WEBHOOK_ALLOW_PRIVATE: bool.default(false),
    WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(5_000),
    WEBHOOK_CONCURRENCY: int(1, 200).default(5),
    // First retry after this, doubling up to an hour, for WEBHOOK_RETRY_FOR_MS after the event.
    WEBHOOK_BACKOFF_MS: int(1, 3_600_000).default(10_000),
    WEBHOOK_RETRY_FOR_MS: int(1_000, 7 * 86_400_000).default(86_400_000),
    // An endpoint whose every attempt failed for this long is disabled (and its alert mailbox told).
    WEBHOOK_DISABLE_AFTER_MS: int(1_000, 30 * 86_400_000).default(3 * 86_400_000),
    // Returned mail: outgoing mail carries `bounces+<message id>.<signature>@domain` as its
    // return path (VERP), so a bounce names its message whatever the remote server writes in it.
    BOUNCE_ADDRESS: z
      .string()
      .regex(/^[a-z0-9._-]+@[a-z0-9.-]+\.[a-z]{2,}$/, 'expected a plain address such as bounces@operateur.example')
      .optional(),
    // Signs the return path's tag: without it, knowing a message id would be enough to forge a
    // bounce. Required with BOUNCE_ADDRESS and shared by every process; changing it makes the
    // reports of mail already sent unbelievable (they are kept as unknown).
    BOUNCE_SIGNING_SECRET: z.string().min(32, 'at least 32 characters (openssl rand -base64 32)').optional(),
    // Jalon's own SMTP listener for returned mail (relay the bounce domain's MX to it); unset: none.
    BOUNCE_SMTP_PORT: int(0, 65535).optional(),
    BOUNCE_SMTP_HOST: z.string().min(1).default('0.0.0.0'),
    // A mailbox the relay delivers returned mail to, read by the workers (one process at a time):
    // imaps://user:password@host:993/INBOX (imap:// upgrades with STARTTLS when offered).
    BOUNCE_IMAP_URL: url(['imap:', 'imaps:'])
      .refine((value) => {
        const parsed = new URL(value);
        return parsed.username !== '' && parsed.password !== '';
      }, 'expected a user and a password in the URL')
      .optional(),
    // Longest wait between two looks at the mailbox (IDLE tells of new mail at once when the
    // server has it); also the wait before mail left there by a database outage is tried again.
    BOUNCE_IMAP_INTERVAL_MS: int(500, 86_400_000).default(60_000),
    // What becomes of a mail taken in: moved to BOUNCE_IMAP_DONE_FOLDER, or flagged \Seen and deleted.
    BOUNCE_IMAP_DONE: z.enum(['move', 'delete'], { error: 'expected move or delete' }).default('move'),
    BOUNCE_IMAP_DONE_FOLDER: z.string().min(1).default('Jalon/Traités'),
    // Mail that says nothing Jalon can act on (unknown format, forged tag, not a mail) goes here.
    BOUNCE_IMAP_UNKNOWN_FOLDER: z.string().min(1).default('Jalon/Inconnus'),
    // A returned mail larger than this is refused (a DSN is a few kilobytes plus the original's headers).
    BOUNCE_MAX_BYTES: int(1024, 50 * 1024 * 1024).default(512 * 1024),
    // A survey link works this long after its mail went out; the client may change their answer until then.
    SURVEY_LINK_DAYS: int(1, 3_650).default(60),
    // Survey page requests (opening or answering) per client address per minute.
    SURVEY_PER_ADDRESS_PER_MINUTE: int(1, 1_000_000).default(30),
    // How long a hard bounce keeps an address suppressed (a complaint keeps it until lifted).
    SUPPRESS_HARD_BOUNCE_DAYS: int(1, 36_500).default(365),
    // SUPPRESS_SOFT_BOUNCES temporary failures within SUPPRESS_SOFT_BOUNCE_DAYS suppress an address for as long.
    SUPPRESS_SOFT_BOUNCES: int(1, 1_000).default(5),
    SUPPRESS_SOFT_BOUNCE_DAYS: int(1, 365).default(14),
    // Undelivered reports from Twilio (other than « unsubscribed ») that suppress a number, within as many days.
    SUPPRESS_SMS_UNDELIVERED: int(1, 1_000).default(3),
    SUPPRESS_SMS_UNDELIVERED_DAYS: int(1, 365).default(30),
    // The RAC's daily summary of an order's delivery problems waits this long after the first
    // problem, so that what comes in the same burst (a returned mail per site contact) goes in one mail.
    PROBLEM_DIGEST_DELAY_MINUTES: int(0, 720).default(20),
    // A problem found after the day's summary went out waits for the next day's, sent at this hour (Paris).
    PROBLEM_DIGEST_NEXT_DAY_HOUR: int(0, 23).default(8),
    // How often missed milestone deadlines are looked for (and announced once each).
    DEADLINE_CHECK_INTERVAL_MS: int(1_000, 86_400_000).default(900_000),
    // Unset: /metrics is open (bind the port to the monitoring network). Set: `Authorization: Bearer <token>`.
    METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    // The worker process (`npm run start:worker`) serves its own /metrics on this port when set.
    WORKER_METRICS_PORT: int(1, 65535).optional(),
    OIDC_ISSUER: url(['http:', 'https:']).optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    // People unknown to Jalon are refused unless this is on; they then get the default role and agency.
    OIDC_CREATE_USERS: bool.default(false),
    OIDC_DEFAULT_ROLE: z.enum(['manager', 'planner'], { error: 'expected manager or planner' }).optional(),
    OIDC_DEFAULT_AGENCY: z
      .string()
      .regex(/^[A-Z0-9]{2,10}$/, 'an agency code in capitals')
      .optional(),
  })
  .superRefine((env, ctx) => {
    const dkim = [env.DKIM_DOMAIN, env.DKIM_SELECTOR, env.DKIM_PRIVATE_KEY].filter(Boolean).length;
    if (dkim > 0 && dkim < 3) {
      ctx.addIssue({
        code: 'custom',
        path: ['DKIM_DOMAIN'],
        message: 'DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY go together',
      });
    }
    const oidc = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET].filter(Boolean).length;
    if (oidc > 0 && oidc < 3) {
      ctx.addIssue({
        code: 'custom',
        path: ['OIDC_ISSUER'],
        message: 'OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together',
      });
    }
    if (env.OIDC_CREATE_USERS) {
      for (const name of ['OIDC_DEFAULT_ROLE', 'OIDC_DEFAULT_AGENCY'] as const) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required when OIDC_CREATE_USERS=true' });
      }
    }
    if (env.BOUNCE_SMTP_PORT !== undefined && !env.BOUNCE_ADDRESS) {
      ctx.addIssue({ code: 'custom', path: ['BOUNCE_ADDRESS'], message: 'required when BOUNCE_SMTP_PORT is set' });
    }
    if (env.BOUNCE_IMAP_URL !== undefined && !env.BOUNCE_ADDRESS) {
      ctx.addIssue({ code: 'custom', path: ['BOUNCE_ADDRESS'], message: 'required when BOUNCE_IMAP_URL is set' });
    }
    if (env.BOUNCE_ADDRESS && !env.BOUNCE_SIGNING_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['BOUNCE_SIGNING_SECRET'],
        message: 'required when BOUNCE_ADDRESS is set (openssl rand -base64 32)',
      });
    }
    if (env.EMAIL_TRANSPORT === 'smtp' && !env.SMTP_URL) {
      ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'required when EMAIL_TRANSPORT=smtp' });
    }
    if (env.SMS_TRANSPORT === 'twilio') {
      for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required when SMS_TRANSPORT=twilio' });
      }
    }
  });

type Env = z.output<typeof envSchema>;

export type Config = Omit<Env, 'EMAIL_FROM' | 'PUBLIC_BASE_URL'> & {
  EMAIL_FROM: string;
  PUBLIC_BASE_URL: string;
  embedded: boolean;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses an environment; the first problem becomes one line naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as in most shells' `FOO= npm start`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = issue?.path.join('.') || 'environment';
    const shown =
      issue && typeof present[name] === 'string' && !/TOKEN|KEY|URL|SECRET/.test(name)
        ? ` (got "${present[name]}")`
        : '';
    throw new ConfigError(`Invalid configuration: ${name}: ${issue?.message ?? 'invalid'}${shown}`);
  }
  return withDerivedDefaults(result.data);
}

/**
 * The defaults that depend on other settings. A first start then sends from the brand's own
 * address and writes links that open on this machine; explicit settings always win.
 */
function withDerivedDefaults(env: Env): Config {
  return {
    ...env,
    EMAIL_FROM: env.EMAIL_FROM ?? brandSender(env.TEMPLATES_DIR),
    PUBLIC_BASE_URL: env.PUBLIC_BASE_URL ?? listenUrl(env.HOST, env.PORT),
    embedded: env.DATABASE_URL === undefined,
  };
}

/** `Name <address>` from the brand file's sender; the template loader checks the rest of the file. */
function brandSender(templatesDir: string): string {
  const file = join(templatesDir, 'brand.json');
  let sender;
  try {
    sender = brandSchema.shape.sender.parse((JSON.parse(readFileSync(file, 'utf8')) as { sender?: unknown }).sender);
  } catch {
    throw new ConfigError(`Invalid configuration: EMAIL_FROM: unset, and ${file} has no valid sender to use instead`);
  }
  if (NO_REPLY.test(sender.address)) {
    throw new ConfigError(
      `Invalid configuration: EMAIL_FROM: unset, and the sender of ${file} is a no-reply address; use a monitored one`,
    );
  }
  return `${sender.name} <${sender.address}>`;
}

/**
 * The base URL of the address the API listens on. A wildcard address is not one a browser can
 * open, so it becomes localhost; PORT=0 (any free port) has no address to derive.
 */
export function listenUrl(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return port === 0 ? `http://${name}` : `http://${name}:${port}`;
}

/**
 * The settings still at values that only suit one machine while mail goes out through SMTP: a
 * sender of a reserved domain (the sample brand's `.example`) and links no client can open.
 */
export function laptopSettings(config: Config): string[] {
  if (config.EMAIL_TRANSPORT !== 'smtp') return [];
  const found: string[] = [];
  const domain = /@([^\s>]+)>?\s*$/.exec(config.EMAIL_FROM)?.[1] ?? '';
  if (/(^|\.)(example|test|invalid|localhost)$/i.test(domain)) found.push('EMAIL_FROM');
  const host = new URL(config.PUBLIC_BASE_URL).hostname;
  if (host === 'localhost' || host === '[::1]' || /^127\./.test(host)) found.push('PUBLIC_BASE_URL');
  return found;
}
