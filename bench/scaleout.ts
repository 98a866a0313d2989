import { freePort } from './environment.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type BenchEnvironment, benchEnvironment, FROM, REDIS_URL } from './environment.js';
import { fmtMs, machineLine, percentile, processTicks, rate, runBounded, sleep, TICK_MS } from './support.js';

/**
 * API and workers as separate processes on one PostgreSQL database, as `npm run start:api` and
 * `npm run start:worker` run them (compiled, from dist/): one API process and 1, 2 then 4
 * worker processes. The bench process is the client (HTTP, 50 requests in flight) and the SMTP
 * sink, which records the X-Jalon-Message-Id of every mail it accepts. For each layout:
 * throughput, CPU per message of each process (from /proc) and of the PostgreSQL backends, and
 * at the end, over every message of every run, duplicates (a message id received twice) and
 * losses (a message accepted by the API and not received, or not `sent`).
 */

const COMMAND = 'npm run bench -- scaleout';
const WORKER_COUNTS = (process.env.BENCH_SCALEOUT_WORKERS ?? '1,2,4').split(',').map(Number);
const RUNS = Math.max(1, Number(process.env.BENCH_SCALEOUT_RUNS ?? 3));
const MESSAGES = Math.max(10, Number(process.env.BENCH_SCALEOUT_MESSAGES ?? 600));
const WARMUP = 50;
const IN_FLIGHT = 50;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Child {
  name: string;
  child: ChildProcess;
  output(): string;
}

function start(name: string, entry: string, env: Record<string, string>): Child {
  let output = '';
  const child = spawn(process.execPath, ['scripts/start.mjs', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { name, child, output: () => output };
}

async function waitUntil(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve(probe()).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${fmtMs(timeoutMs)}`);
    await sleep(50);
  }
}

async function stop(children: Child[]): Promise<void> {
  await Promise.all(
    children.map(async ({ child }) => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }),
  );
}

async function sentCount(env: BenchEnvironment): Promise<number> {
  const result = await env.monitor.query<{ n: number }>(
    `select count(*)::int as n from messages where status = 'sent'`,
  );
  return result.rows[0]?.n ?? 0;
}

async function backendTicks(env: BenchEnvironment): Promise<Map<number, number>> {
  const result = await env.monitor.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  const ticks = new Map<number, number>();
  for (const { pid } of result.rows) ticks.set(pid, processTicks(pid) ?? 0);
  return ticks;
}

function ticksSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, value] of after) total += value - (before.get(pid) ?? 0);
  return total * TICK_MS;
}

interface Run {
  ms: number;
  /** CPU ms per message: the API, each worker process, the PostgreSQL backends. */
  api: number;
  workers: number[];
  postgres: number;
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const spread = (values: number[], digits: number, unit = '') =>
  `${median(values).toFixed(digits)}${unit} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;

export async function benchScaleout(): Promise<string> {
  const env = await benchEnvironment({ sinkIds: true });
  const children: Child[] = [];
  const accepted: string[] = [];
  try {
    const port = await freePort();
    const base: Record<string, string> = {
      DATABASE_URL: env.databaseUrl,
      REDIS_URL,
      QUEUE_PREFIX: env.prefix,
      EMAIL_TRANSPORT: 'smtp',
      SMTP_URL: env.sink.url,
      EMAIL_FROM: FROM,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
      HOST: '127.0.0.1',
      PORT: String(port),
    };
    const url = `http://127.0.0.1:${port}`;
    // The API first: it compiles dist/ when it is older than the sources, once.
    const api = start('api', 'src/server.js', base);
    children.push(api);
    await waitUntil('the API answering /health', async () => (await fetch(`${url}/health`)).ok, 300_000);

    const post = async () => {
      const response = await fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${env.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(env.body),
      });
      const text = await response.text();
      if (response.status !== 201)
        throw new Error(`POST /v1/messages answered ${response.status}: ${text.slice(0, 300)}`);
      accepted.push((JSON.parse(text) as { id: string }).id);
    };

    const results = new Map<number, Run[]>();
    for (const count of WORKER_COUNTS) {
      const workers = Array.from({ length: count }, (_, index) =>
        start(`worker ${index + 1}`, 'workers/main.js', { ...base, LOG_LEVEL: 'info', PORT: '0' }),
      );
      children.push(...workers);
      for (const worker of workers) {
        await waitUntil(`${worker.name} ready`, () => worker.output().includes('Jalon workers are ready'));
      }
      let target = (await sentCount(env)) + WARMUP;
      await runBounded(WARMUP, IN_FLIGHT, post);
      await waitUntil('warm-up sent', async () => (await sentCount(env)) >= target);
      const runs: Run[] = [];
      for (let index = 0; index < RUNS; index++) {
        target = (await sentCount(env)) + MESSAGES;
        const pids = [api, ...workers].map(({ child }) => child.pid!);
        const before = pids.map((pid) => processTicks(pid) ?? 0);
        const pgBefore = await backendTicks(env);
        const started = performance.now();
        await runBounded(MESSAGES, IN_FLIGHT, post);
        await waitUntil('messages sent', async () => (await sentCount(env)) >= target, 600_000);
        const ms = performance.now() - started;
        const used = pids.map((pid, i) => (((processTicks(pid) ?? 0) - before[i]!) * TICK_MS) / MESSAGES);
        runs.push({
          ms,
          api: used[0]!,
          workers: used.slice(1),
          postgres: ticksSince(pgBefore, await backendTicks(env)) / MESSAGES,
        });
      }
      results.set(count, runs);
      await stop(workers);
      children.splice(children.indexOf(workers[0]!), workers.length);
    }

    // Every message any run accepted: received once, and stored as sent.
    await sleep(500);
    const received = env.sink.ids();
    const duplicates = [...received.values()].filter((n) => n > 1).length;
    const notReceived = accepted.filter((id) => !received.has(id)).length;
    const notSent = await env.monitor.query<{ n: number }>(
      `select count(*)::int as n from messages where id = any($1::text[]) and status <> 'sent'`,
      [accepted],
    );
    const twiceSent = await env.monitor.query<{ n: number }>(
      `select count(*)::int as n from (select e.data->>'messageId' from history_events e
        where e.type = 'message.sent' group by 1 having count(*) > 1) twice`,
    );

    const lines = [
      `Machine: ${machineLine()}`,
      `Command: \`${COMMAND}\` (${RUNS} runs of ${MESSAGES} messages per layout, after ${WARMUP} to warm up)`,
      `PostgreSQL ${env.versions.postgres} (synchronous_commit=${env.versions.synchronousCommit}), Redis ${env.versions.redis}, ` +
        `on this machine with every process; settings as README's defaults (EMAIL_CONCURRENCY=${env.config.EMAIL_CONCURRENCY}, ` +
        `DATABASE_POOL_SIZE=${env.config.DATABASE_POOL_SIZE} per process). The bench process is the HTTP client (${IN_FLIGHT} in flight) and the SMTP sink.`,
      '',
      '| layout | rate, median (min–max) | CPU / msg: API | CPU / msg: each worker process | CPU / msg: all workers | CPU / msg: PostgreSQL backends |',
      '|---|---:|---:|---:|---:|---:|',
    ];
    for (const [count, runs] of results) {
      const perWorker = runs[0]!.workers.map((_, i) =>
        spread(
          runs.map((run) => run.workers[i]!),
          2,
        ),
      );
      lines.push(
        `| 1 API + ${count} worker${count > 1 ? 's' : ''} | ${spread(
          runs.map((run) => rate(MESSAGES, run.ms)),
          0,
          ' msg/s',
        )} | ${spread(
          runs.map((run) => run.api),
          2,
          ' ms',
        )} | ${perWorker.join(' · ')} | ${spread(
          runs.map((run) => run.workers.reduce((a, b) => a + b, 0)),
          2,
          ' ms',
        )} | ${spread(
          runs.map((run) => run.postgres),
          2,
          ' ms',
        )} |`,
      );
    }
    lines.push(
      '',
      `**${accepted.length} messages accepted by the API over all runs: ${duplicates} received twice, ` +
        `${notReceived} never received, ${notSent.rows[0]?.n ?? '?'} not stored as sent, ` +
        `${twiceSent.rows[0]?.n ?? '?'} with two \`message.sent\` events → ` +
        `${duplicates === 0 && notReceived === 0 && notSent.rows[0]?.n === 0 ? '0 duplicates, 0 lost' : 'DUPLICATES OR LOSSES'}.**`,
      'Rates move with what else runs on the machine; CPU per message much less.',
    );
    return lines.join('\n');
  } catch (error) {
    for (const child of children) (error as Error).message += `\n${child.name}: ${child.output().slice(-1500)}`;
    throw error;
  } finally {
    await stop(children);
    await env.close();
  }
}
