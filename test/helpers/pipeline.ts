import { sql } from 'drizzle-orm';
import { startWorkers, type Workers } from '../../workers/index.js';
import { createTestApp, type TestApp } from './app.js';
import type { Backend } from './db.js';
import { startSmtpSink, type SmtpSink } from './smtp.js';
import { startFakeTwilio, type FakeTwilio } from './twilio.js';

export const TWILIO_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const TWILIO_TOKEN = 'test-auth-token';

export interface Pipeline extends TestApp {
  smtp: SmtpSink;
  twilio: FakeTwilio;
  workers: Workers | undefined;
  startWorkers(): Promise<void>;
  /** Polls the database until the message reaches one of the statuses. */
  waitForStatus(id: string, statuses: string[], timeoutMs?: number): Promise<string>;
  events(projectRef: string): Promise<{ type: string; data: Record<string, unknown> }[]>;
}

/** The whole delivery chain on real components: API, PostgreSQL, Redis, SMTP server, Twilio client. */
export async function createPipeline(
  backend: Backend,
  env: Record<string, string> = {},
  /** `now`: a service clock the test moves (CLOCK_OFFSET_MS is fixed at start). */
  options: { workers?: boolean; now?: () => Date } = {},
): Promise<Pipeline> {
  const smtp = await startSmtpSink();
  const twilio = await startFakeTwilio();
  const t = await createTestApp(
    backend,
    {
      EMAIL_TRANSPORT: 'smtp',
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'Jalon <jalon@operateur.example>',
      SMS_TRANSPORT: 'twilio',
      TWILIO_ACCOUNT_SID: TWILIO_SID,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      TWILIO_FROM: 'Operateur',
      TWILIO_API_BASE_URL: twilio.url,
      SEND_BACKOFF_MS: '50',
      WORKER_LOCK_MS: '2000',
      RECONCILE_INTERVAL_MS: '500',
      ...env,
    },
    { now: options.now },
  );
  const pipeline: Pipeline = {
    ...t,
    smtp,
    twilio,
    workers: undefined,
    async startWorkers() {
      pipeline.workers = await startWorkers(t.deps);
    },
    async waitForStatus(id, statuses, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // A database that is away (a fault test) is polled again until the deadline.
        const status = await t.deps.db
          .execute(sql`select status from messages where id = ${id}`)
          .then((result) => (result as { rows: { status: string }[] }).rows[0]?.status ?? 'missing')
          .catch(() => 'unreachable');
        if (statuses.includes(status)) return status;
        if (Date.now() > deadline) throw new Error(`message ${id} is ${status}, expected ${statuses.join(' or ')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async events(projectRef) {
      const result = await t.deps.db.execute(
        sql`select type, data from history_events where project_ref = ${projectRef} order by id`,
      );
      return (result as { rows: { type: string; data: Record<string, unknown> }[] }).rows;
    },
    async close() {
      await pipeline.workers?.close();
      await t.close();
      await smtp.close();
      await twilio.close();
    },
  };
  if (options.workers !== false) await pipeline.startWorkers();
  return pipeline;
}
