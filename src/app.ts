import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import underPressure from '@fastify/under-pressure';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import metricsModule from 'fastify-metrics';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Deps } from './deps.js';
import { registerAuth } from './http/auth.js';
import { answerFrameworkError, registerErrorHandler } from './http/error-handler.js';
import { registerInputGuard } from './http/input-guard.js';
import { registerTextBodies } from './http/text-body.js';
import { keyRoutes } from './http/routes/keys.js';
import { opsRoutes } from './http/routes/ops.js';
import { projectRoutes } from './http/routes/projects.js';
import { interventionRoutes } from './http/routes/interventions.js';
import { agencyRoutes } from './http/routes/agencies.js';
import { messageRoutes } from './http/routes/messages.js';
import { racRoutes } from './http/routes/racs.js';
import { templateRoutes } from './http/routes/templates.js';
import { createIdempotency } from './messages/idempotency.js';
import { webhookRoutes } from './http/routes/webhooks.js';
import { suppressionRoutes } from './http/routes/suppressions.js';
import { queueDashboard } from './http/routes/dashboard.js';
import { historyRoutes } from './http/routes/history.js';
import { statsRoutes } from './http/routes/stats.js';
import { privacyRoutes } from './http/routes/privacy.js';
import { createAttemptLimiter } from './keys/attempts.js';
import { authRoutes } from './http/routes/auth.js';
import { userRoutes } from './http/routes/users.js';
import { sessionRoutes } from './http/routes/sessions.js';
import { oidcRoutes } from './http/routes/oidc.js';
import { assetRoutes } from './http/routes/assets.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { webhookEndpointRoutes } from './http/routes/webhook-endpoints.js';
import { surveyPageRoutes } from './http/routes/survey-page.js';
import { surveyRoutes } from './http/routes/surveys.js';
import { createSurveyPages } from './surveys/page.js';
import { consoleRoutes } from './http/routes/console.js';

// A CommonJS module whose default export arrives wrapped under NodeNext resolution.
const metricsPlugin = metricsModule.default;

export type AppDeps = Pick<
  Deps,
  | 'config'
  | 'logger'
  | 'now'
  | 'db'
  | 'keys'
  | 'projects'
  | 'projectEdits'
  | 'lists'
  | 'interventions'
  | 'settings'
  | 'racs'
  | 'messages'
  | 'renderer'
  | 'producer'
  | 'probes'
  | 'history'
  | 'stats'
  | 'erasure'
  | 'people'
  | 'metrics'
  | 'webhooks'
  | 'surveys'
  | 'suppressions'
>;

/** Builds the HTTP application; never listens, so tests can `inject` into it. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    // Fastify takes its logger type parameter from this option: the routes are typed with
    // Fastify's own logger interface, not pino's.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    frameworkErrors: answerFrameworkError,
    trustProxy: config.TRUST_PROXY,
  });
  const failures = createAttemptLimiter({ max: config.AUTH_FAILURES_PER_MINUTE, windowMs: 60_000 });

  registerErrorHandler(app);
  registerInputGuard(app);
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  registerTextBodies(app);

  // No upgrade-insecure-requests: on a plain-HTTP development server it would send the
  // browser to https for the docs' and the dashboard's own scripts, which then fail to load.
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  await app.register(cookie);
  await app.register(underPressure, {
    maxEventLoopDelay: config.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: config.OVERLOAD_MAX_EVENT_LOOP_UTILIZATION,
    maxHeapUsedBytes: config.OVERLOAD_MAX_HEAP_USED_BYTES,
    maxRssBytes: config.OVERLOAD_MAX_RSS_BYTES,
    exposeStatusRoute: false,
  });
  // The plugin measures requests; /metrics itself (with the service's own figures) is ours.
  await app.register(metricsPlugin, { endpoint: null, clearRegisterOnInit: true });
  await app.register(metricsRoutes(deps.metrics.registry, config.METRICS_TOKEN));
  await app.register(swagger, {
    openapi: {
      info: { title: 'Jalon', description: 'Milestone communications for telecom deployments', version: '1' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(opsRoutes(deps.probes));
  await app.register(assetRoutes(deps.renderer));

  // The zod compilers live in this scope only, so plugins at the root keep their own.
  await app.register(
    async (v1) => {
      v1.setValidatorCompiler(validatorCompiler);
      v1.setSerializerCompiler(serializerCompiler);
      registerAuth(v1, {
        keys: deps.keys,
        sessions: deps.people.sessions,
        failures,
        publicBaseUrl: config.PUBLIC_BASE_URL,
      });
      await v1.register(rateLimit, {
        hook: 'preHandler',
        max: config.RATE_LIMIT_PER_MINUTE,
        timeWindow: 60_000,
        keyGenerator: (request) => request.caller?.id ?? request.ip,
        errorResponseBuilder: (request, context) => ({
          statusCode: 429,
          code: 'FST_ERR_RATE_LIMIT_EXCEEDED',
          message: `Rate limit of ${context.max} requests per minute reached for this key; retry in ${context.after}`,
          requestId: request.id,
        }),
      });
      await v1.register(
        projectRoutes(deps.projects, deps.projectEdits, deps.lists.projects, deps.now, {
          maxBytes: config.CSV_MAX_BYTES,
          maxRows: config.CSV_MAX_ROWS,
        }),
      );
      await v1.register(interventionRoutes(deps.interventions, deps.lists.interventions));
      await v1.register(agencyRoutes(deps.settings));
      await v1.register(keyRoutes(deps.keys));
      await v1.register(racRoutes(deps.racs));
      await v1.register(templateRoutes(deps.renderer, deps.messages));
      await v1.register(messageRoutes(deps.messages, deps.lists.messages, createIdempotency({ db: deps.db })));
      await v1.register(historyRoutes(deps.history));
      await v1.register(statsRoutes(deps.stats));
      await v1.register(surveyRoutes({ db: deps.db, now: deps.now }));
      await v1.register(privacyRoutes(deps.erasure));
      await v1.register(userRoutes(deps.people));
      await v1.register(sessionRoutes(deps.people.sessions));
      await v1.register(webhookEndpointRoutes(deps.webhooks));
      await v1.register(suppressionRoutes(deps.suppressions));
    },
    { prefix: '/v1' },
  );
  await app.register(
    webhookRoutes({
      db: deps.db,
      now: deps.now,
      twilioAuthToken: config.TWILIO_AUTH_TOKEN,
      publicBaseUrl: config.PUBLIC_BASE_URL,
    }),
    { prefix: '/v1' },
  );
  const hour = 3_600_000;
  const signIn = {
    people: deps.people,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    failures,
    perAddress: createAttemptLimiter({ max: config.SIGN_IN_PER_ADDRESS_PER_HOUR, windowMs: hour }),
    perEmail: createAttemptLimiter({ max: config.SIGN_IN_PER_EMAIL_PER_HOUR, windowMs: hour }),
  };
  await app.register(authRoutes(signIn), { prefix: '/auth' });
  if (deps.people.oidc) await app.register(oidcRoutes(deps.people.oidc, signIn), { prefix: '/auth' });
  await app.register(queueDashboard(deps.keys, deps.producer), { prefix: '/admin/queues' });
  const brand = deps.renderer.brand();
  await app.register(
    surveyPageRoutes({
      surveys: deps.surveys,
      pages: createSurveyPages(brand),
      limiter: createAttemptLimiter({ max: config.SURVEY_PER_ADDRESS_PER_MINUTE, windowMs: 60_000 }),
      publicBaseUrl: config.PUBLIC_BASE_URL,
    }),
    { prefix: brand.surveyPath },
  );
  await app.register(consoleRoutes());
  return app;
}
