import { Redis } from 'ioredis';
import { createBounceIntake } from './bounces/intake.js';
import { createSuppressionFollowup } from './suppressions/followup.js';
import { createSuppressions } from './suppressions/service.js';
import { bounceAddress } from './bounces/verp.js';
import { createOutboxEmailSender, createSmtpSender } from './channels/email.js';
import { createOutboxSmsSender, createTwilioSender } from './channels/sms.js';
import type { EmailSender, SmsSender } from './channels/types.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import type { Probe } from './http/routes/ops.js';
import { createKeys } from './keys/service.js';
import { createLogger, type Logger } from './logger.js';
import { createMessages } from './messages/service.js';
import { createProjects } from './projects/service.js';
import { createProjectList } from './projects/list.js';
import { createInterventionList } from './interventions/list.js';
import { createProjectEdits } from './projects/edits.js';
import { createMessageList } from './messages/list.js';
import { createProducer } from './queue/producer.js';
import { createRacs } from './racs/service.js';
import { createRenderer } from './render/index.js';
import { createAgencySettings } from './agencies/settings.js';
import { createAutomation } from './automation/service.js';
import { createDraftRefresher } from './messages/freshness.js';
import type { Subscriber } from './history/followups.js';
import { createInterventions } from './interventions/service.js';
import { createHistory } from './history/service.js';
import { createStats } from './stats/service.js';
import { createErasure } from './privacy/erasure.js';
import { createRetention } from './privacy/retention.js';
import { createPeople } from './people/index.js';
import { createMetrics } from './metrics/registry.js';
import { createMetricsFollowup } from './metrics/followup.js';
import { registerProbes } from './metrics/probes.js';
import { createWebhookQueue } from './webhooks/queue.js';
import { createWebhooks } from './webhooks/service.js';
import { createWebhookFanout } from './webhooks/fanout.js';
import { surveyBase } from './render/kit.js';
import { createSurveyLinks } from './surveys/links.js';
import { createSurveys } from './surveys/service.js';
import { createSurveyFollowups } from './surveys/followups.js';
import { createDigestFollowup } from './digests/followup.js';
import { createDigestQueue } from './digests/queue.js';
import { createDigestSender } from './digests/send.js';

// The configuration requires the secret with the address.
const bounceAddressOf = (config: Config) =>
  config.BOUNCE_ADDRESS && config.BOUNCE_SIGNING_SECRET
    ? bounceAddress(config.BOUNCE_ADDRESS, config.BOUNCE_SIGNING_SECRET)
    : undefined;

function emailSender(config: Config, from: string): EmailSender {
  const bounce = bounceAddressOf(config);
  const dkim =
    config.DKIM_DOMAIN && config.DKIM_SELECTOR && config.DKIM_PRIVATE_KEY
      ? { domainName: config.DKIM_DOMAIN, keySelector: config.DKIM_SELECTOR, privateKey: config.DKIM_PRIVATE_KEY }
      : undefined;
  return config.EMAIL_TRANSPORT === 'smtp' && config.SMTP_URL
    ? createSmtpSender(config.SMTP_URL, { from, dkim, bounce })
    : createOutboxEmailSender(config.OUTBOX_DIR, { from, dkim, bounce });
}

function smsSender(config: Config): SmsSender {
  if (
    config.SMS_TRANSPORT === 'twilio' &&
    config.TWILIO_ACCOUNT_SID &&
    config.TWILIO_AUTH_TOKEN &&
    config.TWILIO_FROM
  ) {
    return createTwilioSender({
      accountSid: config.TWILIO_ACCOUNT_SID,
      authToken: config.TWILIO_AUTH_TOKEN,
      from: config.TWILIO_FROM,
      statusCallback: new URL('/v1/webhooks/twilio/status', config.PUBLIC_BASE_URL).toString(),
      apiBaseUrl: config.TWILIO_API_BASE_URL,
    });
  }
  return createOutboxSmsSender(config.OUTBOX_DIR, config.TWILIO_FROM ?? 'Jalon');
}

/**
 * Builds every client the service uses, once, from the configuration. Modules receive only
 * the pieces they need; nothing else constructs clients.
 */
export async function createDeps(config: Config, options: { logger?: Logger; now?: () => Date } = {}) {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const offset = config.CLOCK_OFFSET_MS;
  const now = options.now ?? (offset === 0 ? () => new Date() : () => new Date(Date.now() + offset));
  const templatesDir = config.TEMPLATES_DIR;
  const renderer = await createRenderer({
    templatesDir,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    watch: config.TEMPLATES_WATCH,
  });
  const database: Database = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
    onConnectionError: (error) => logger.warn({ code: error.code }, 'database connection lost; reconnecting'),
  });
  await database.migrate();
  const db = database.db;

  // For /ready only. Fail fast rather than buffer: while Redis is down, callers get an error
  // at once and the database (the source of truth) still takes the write.
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  redis.on('error', () => {
    // Reported by /ready and by the producers; a listener keeps ioredis from crashing us.
  });
  const producer = createProducer({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    logger,
    attempts: config.SEND_ATTEMPTS,
    backoffMs: config.SEND_BACKOFF_MS,
    now,
  });

  const metrics = createMetrics();
  const webhookQueue = createWebhookQueue({ redisUrl: config.REDIS_URL, prefix: config.QUEUE_PREFIX, logger });
  const webhooks = createWebhooks({ db, queue: webhookQueue, now, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE });
  registerProbes(metrics, {
    db,
    now,
    queues: () => [producer.queue('email'), producer.queue('sms'), webhookQueue.queue, digests.queue.queue],
  });

  const keys = createKeys({ db });
  const settings = createAgencySettings({ db });
  const policy = { internalDomains: config.INTERNAL_EMAIL_DOMAINS, smsCountries: config.SMS_COUNTRIES };
  const messages = createMessages({ db, renderer, producer, settings, policy, now });
  const projects = createProjects({ db, now });
  // One contact or site corrected by hand (a bounced address); order tools replace the whole order.
  const projectEdits = createProjectEdits({ db, now });
  // The lists of orders, messages and visits (read-only; the console's and the work queues' source).
  const lists = {
    projects: createProjectList({ db, now }),
    messages: createMessageList({ db }),
    interventions: createInterventionList({ db }),
  };
  const interventions = createInterventions({ db, messages, settings, now });
  const racs = createRacs({ db, now });
  const history = createHistory({ db });
  const stats = createStats({ db, now });
  const erasure = createErasure({ db, now });
  const retention = createRetention({ db, logger, now, retentionDays: config.RETENTION_DAYS });
  const email = emailSender(config, config.EMAIL_FROM);
  const sms = smsSender(config);
  const surveyLinks = createSurveyLinks({
    db,
    now,
    days: config.SURVEY_LINK_DAYS,
    surveyBase: surveyBase(config.PUBLIC_BASE_URL, renderer.brand()),
  });
  const surveys = createSurveys({ db, links: surveyLinks, now });
  // The RAC's daily summary of each order's delivery problems (src/digests/).
  const brand = renderer.brand();
  const digests = {
    queue: createDigestQueue({
      redisUrl: config.REDIS_URL,
      prefix: config.QUEUE_PREFIX,
      logger,
      now,
      backoffMs: config.SEND_BACKOFF_MS,
    }),
    sender: createDigestSender({
      db,
      email,
      now,
      brand: { name: brand.name, colour: brand.colors.primary },
      publicBaseUrl: config.PUBLIC_BASE_URL,
      stuckAfterMs: config.WORKER_LOCK_MS * 2,
    }),
  };
  // What reacts to committed history events, dispatched by the workers (workers/followups.ts).
  const subscribers: Subscriber[] = [
    createAutomation({ db, messages, settings, logger, now }),
    createDraftRefresher({ db, messages }),
    createSurveyFollowups({ db, messages, email, brandName: renderer.brand().name }),
    createWebhookFanout({ db, queue: webhookQueue, now }),
    createSuppressionFollowup({
      db,
      messages,
      metrics,
      now,
      policy: {
        hardBounceDays: config.SUPPRESS_HARD_BOUNCE_DAYS,
        softBounces: config.SUPPRESS_SOFT_BOUNCES,
        softBounceDays: config.SUPPRESS_SOFT_BOUNCE_DAYS,
        smsUndelivered: config.SUPPRESS_SMS_UNDELIVERED,
        smsUndeliveredDays: config.SUPPRESS_SMS_UNDELIVERED_DAYS,
      },
    }),
    createDigestFollowup({
      db,
      queue: digests.queue,
      now,
      timing: { delayMinutes: config.PROBLEM_DIGEST_DELAY_MINUTES, nextDayHour: config.PROBLEM_DIGEST_NEXT_DAY_HOUR },
    }),
    // Last: an event handed out again because an earlier subscriber failed is not counted twice.
    createMetricsFollowup({ db, metrics }),
  ];
  const bounce = bounceAddressOf(config);
  const bounces = bounce ? createBounceIntake({ db, now, logger, metrics, bounce }) : undefined;
  const suppressions = createSuppressions({ db, now });
  const people = await createPeople({ db, now, email, logger, templatesDir, config });
  const probes: Probe[] = [
    { name: 'database', check: () => database.ping() },
    {
      name: 'redis',
      check: async () => {
        if (redis.status === 'wait') await redis.connect();
        await redis.ping();
      },
    },
  ];

  return {
    config,
    logger,
    now,
    database,
    db,
    redis,
    renderer,
    producer,
    metrics,
    webhookQueue,
    webhooks,
    digests,
    keys,
    settings,
    subscribers,
    projects,
    projectEdits,
    lists,
    interventions,
    racs,
    messages,
    history,
    bounces,
    suppressions,
    stats,
    erasure,
    retention,
    email,
    sms,
    surveyLinks,
    surveys,
    people,
    probes,
    async close() {
      await producer.close();
      await webhookQueue.close();
      await digests.queue.close();
      await people.links.settle();
      await Promise.all([email.close(), sms.close(), renderer.close()]);
      redis.disconnect();
      await database.close();
    },
  };
}

export type Deps = Awaited<ReturnType<typeof createDeps>>;
