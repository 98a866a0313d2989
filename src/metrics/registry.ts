import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * What an operator pages on, in a registry of its own (the HTTP and process figures of
 * fastify-metrics live in prom-client's global one). Counters are per process: the API counts
 * nothing the workers do, so scrape both (or the one process of `npm start`).
 */

/** A figure read when Prometheus scrapes (queue depth, follow-up lag), not counted as it happens. */
export type Probe = () => Promise<void>;
export type Source = 'queues' | 'outbox' | 'webhooks';

/**
 * prom-client collects the metrics of a registry concurrently: gauges fed by one source share
 * the read in progress, so a scrape costs one query per source.
 */
function sharedRead(probes: Probe[]): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= Promise.all(probes.map((probe) => probe().catch(() => {}))).then(() => {
      running = undefined;
    });
    return running;
  };
}

export function createMetrics() {
  const registry = new Registry();
  const sources: Record<Source, Probe[]> = { queues: [], outbox: [], webhooks: [] };
  const read = {
    queues: sharedRead(sources.queues),
    outbox: sharedRead(sources.outbox),
    webhooks: sharedRead(sources.webhooks),
  };
  const registers = [registry];

  const messages = new Counter({
    name: 'jalon_messages_total',
    help: 'Committed message status changes, by history event (message.sent, message.failed, message.bounced…) and channel',
    labelNames: ['event', 'channel'] as const,
    registers,
  });
  const sendLatency = new Histogram({
    name: 'jalon_send_latency_seconds',
    help: 'From the time a message was due to the time it was sent',
    labelNames: ['channel'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600],
    registers,
  });
  const providerErrors = new Counter({
    name: 'jalon_provider_errors_total',
    help: 'Failed attempts at the SMTP relay or Twilio, by kind (rejected, deferred, connection, timeout, other)',
    labelNames: ['channel', 'kind'] as const,
    registers,
  });
  const reconcilerRepairs = new Counter({
    name: 'jalon_reconciler_repairs_total',
    help: 'Messages the reconciler re-queued (missing from Redis) or flagged (attempt interrupted)',
    labelNames: ['kind'] as const,
    registers,
  });
  const webhookAttempts = new Counter({
    name: 'jalon_webhook_attempts_total',
    help: 'Outbound webhook attempts by outcome (delivered, http_error, network_error, refused)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const webhookDeliveries = new Counter({
    name: 'jalon_webhook_deliveries_total',
    help: 'Outbound webhook deliveries finished, by result (succeeded, failed after retries, skipped)',
    labelNames: ['result'] as const,
    registers,
  });
  const webhookDuration = new Histogram({
    name: 'jalon_webhook_attempt_duration_seconds',
    help: 'Time a receiver took to answer a webhook attempt',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const webhookDisabled = new Counter({
    name: 'jalon_webhook_endpoints_disabled_total',
    help: 'Endpoints disabled after failing for WEBHOOK_DISABLE_AFTER_MS',
    registers,
  });
  const bounces = new Counter({
    name: 'jalon_bounces_total',
    help: 'Returned mail taken in, by what it said (hard, soft, delayed, complaint, unknown) and where it came from (smtp, imap)',
    labelNames: ['kind', 'source'] as const,
    registers,
  });
  const bouncesRefused = new Counter({
    name: 'jalon_bounces_refused_total',
    help: 'Returned mail refused, by reason (recipient, signature, oversized, malformed)',
    labelNames: ['reason'] as const,
    registers,
  });
  const bounceMailboxFailures = new Counter({
    name: 'jalon_bounce_mailbox_failures_total',
    help: 'Bounce mailbox troubles, by stage (connection: the IMAP server; intake: the database, mail left for later)',
    labelNames: ['stage'] as const,
    registers,
  });
  const suppressions = new Counter({
    name: 'jalon_suppressions_total',
    help: 'Addresses and numbers suppressed, by reason (hard_bounce, soft_bounces, complaint, sms_unsubscribed, sms_undelivered)',
    labelNames: ['reason'] as const,
    registers,
  });
  const queueJobs = new Gauge({
    name: 'jalon_queue_jobs',
    help: 'Jobs per queue and state (waiting, delayed, active, failed)',
    labelNames: ['queue', 'state'] as const,
    registers,
    collect: read.queues,
  });
  const followupLag = new Gauge({
    name: 'jalon_followup_lag_seconds',
    help: 'Age of the oldest committed event whose follow-ups (automation, webhooks…) have not run yet',
    registers,
    collect: read.outbox,
  });
  const followupBacklog = new Gauge({
    name: 'jalon_followup_backlog',
    help: 'Committed events waiting for their follow-ups, and those among them that failed at least once',
    labelNames: ['state'] as const,
    registers,
    collect: read.outbox,
  });
  const webhookPending = new Gauge({
    name: 'jalon_webhook_deliveries_pending',
    help: 'Webhook deliveries not delivered yet (first try or retrying)',
    registers,
    collect: read.webhooks,
  });
  const webhookEndpoints = new Gauge({
    name: 'jalon_webhook_endpoints',
    help: 'Webhook endpoints by state (enabled, failing, disabled)',
    labelNames: ['state'] as const,
    registers,
    collect: read.webhooks,
  });

  return {
    registry,
    messages,
    sendLatency,
    providerErrors,
    reconcilerRepairs,
    webhookAttempts,
    webhookDeliveries,
    webhookDuration,
    webhookDisabled,
    bounces,
    bouncesRefused,
    bounceMailboxFailures,
    suppressions,
    queueJobs,
    followupLag,
    followupBacklog,
    webhookPending,
    webhookEndpoints,
    /** Adds a reader of `source`, run at scrape time. */
    probe(source: Source, probe: Probe) {
      sources[source].push(probe);
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
