import { freePort } from './environment.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURE, FROM, REDIS_URL, TEMPLATE } from './environment.js';
import { fmtMs, machineLine, percentile, processTicks, sleep, startCountingSink, TICK_MS } from './support.js';

/**
 * Embedded mode (PGlite) under load: `npm start` (API and workers in one process, compiled,
 * with no DATABASE_URL) receives messages at RATE a second, open loop, for DURATION_MS, each
 * sent to an SMTP sink in the bench process, while a reader asks for the order
 * (`GET /v1/projects/{ref}`) every READ_EVERY_MS. Reported: that read's latency, the 503s of
 * the overload guard, how many messages went out and when.
 */

const COMMAND = 'npm run bench -- embedded';
const RATE = Number(process.env.BENCH_EMBEDDED_RATE ?? 50);
const DURATION_MS = Number(process.env.BENCH_EMBEDDED_SECONDS ?? 30) * 1000;
const READ_EVERY_MS = 100;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const P99_GOAL_MS = 200;

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const line = (label: string, values: number[]) => {
  const s = sorted(values);
  return `| ${label} | ${values.length} | ${fmtMs(percentile(s, 50))} | ${fmtMs(percentile(s, 95))} | ${fmtMs(percentile(s, 99))} | ${fmtMs(s.at(-1) ?? NaN)} |`;
};

export async function benchEmbedded(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jalon-bench-embedded-'));
  const sink = await startCountingSink();
  const key = `jln_${randomBytes(4).toString('hex')}_${randomBytes(24).toString('hex')}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const prefix = `{jalon_bench_embedded_${Date.now().toString(36)}}`;
  let output = '';
  let child: ChildProcess | undefined;
  try {
    child = spawn(process.execPath, ['scripts/start.mjs', 'src/main.js'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATA_DIR: dataDir,
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        EMAIL_TRANSPORT: 'smtp',
        SMTP_URL: sink.url,
        EMAIL_FROM: FROM,
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_MINUTE: '1000000',
        BOOTSTRAP_ADMIN_KEY: key,
        HOST: '127.0.0.1',
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 300_000;
    while (
      !(await fetch(`${url}/health`)
        .then((r) => r.ok)
        .catch(() => false))
    ) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the service did not start');
      await sleep(100);
    }
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const fixture = readFileSync(new URL(`../test/fixtures/projects/${FIXTURE}.json`, import.meta.url), 'utf8');
    const put = await fetch(`${url}/v1/projects/${FIXTURE}`, { method: 'PUT', headers, body: fixture });
    if (put.status !== 201) throw new Error(`PUT answered ${put.status}: ${await put.text()}`);
    const sample = JSON.parse(
      readFileSync(new URL(`../templates/${TEMPLATE}/sample.json`, import.meta.url), 'utf8'),
    ) as {
      data: Record<string, unknown>;
      blocks: Record<string, string>;
    };
    // The order's automation prepares a draft of the same template: each request replaces it if it is there.
    const body = JSON.stringify({ projectRef: FIXTURE, template: TEMPLATE, ...sample, replaceDraft: true });

    const posts: number[] = [];
    const reads: number[] = [];
    const refused = { post503: 0, read503: 0, other: new Map<number, number>() };
    const count = (status: number) => refused.other.set(status, (refused.other.get(status) ?? 0) + 1);
    const post = async () => {
      const started = performance.now();
      const response = await fetch(`${url}/v1/messages`, { method: 'POST', headers, body });
      await response.arrayBuffer();
      if (response.status === 201) posts.push(performance.now() - started);
      else if (response.status === 503) refused.post503++;
      else count(response.status);
    };
    // Warm-up: templates, connections.
    for (let index = 0; index < 20; index++) await post();
    posts.length = 0;
    const sentBefore = sink.count();
    const ticksBefore = processTicks(child.pid!) ?? 0;

    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    const reader = (async () => {
      while (performance.now() - start < DURATION_MS) {
        const started = performance.now();
        const response = await fetch(`${url}/v1/projects/${FIXTURE}`, { headers });
        await response.arrayBuffer();
        if (response.status === 200) reads.push(performance.now() - started);
        else if (response.status === 503) refused.read503++;
        else count(response.status);
        await sleep(Math.max(0, READ_EVERY_MS - (performance.now() - started)));
      }
    })();
    // Open loop: the n-th request leaves at n / RATE seconds, whether the earlier ones are answered or not.
    const total = Math.round((RATE * DURATION_MS) / 1000);
    for (let index = 0; index < total; index++) {
      const at = start + (index * 1000) / RATE;
      const wait = at - performance.now();
      if (wait > 0) await sleep(wait);
      inFlight.push(
        post().catch(() => {
          count(0);
        }),
      );
    }
    await Promise.all([...inFlight, reader]);
    const createdMs = performance.now() - start;
    const expected = sentBefore + posts.length;
    const drainDeadline = Date.now() + 120_000;
    while (sink.count() < expected && Date.now() < drainDeadline) await sleep(50);
    const allSentMs = performance.now() - start;
    const cpuMs = ((processTicks(child.pid!) ?? 0) - ticksBefore) * TICK_MS;
    const p99 = percentile(sorted(reads), 99);
    const others = [...refused.other].map(([status, n]) => `${n} × ${status || 'network error'}`).join(', ') || 'none';
    return [
      `Machine: ${machineLine()}`,
      `Command: \`${COMMAND}\` (BENCH_EMBEDDED_RATE=${RATE}, BENCH_EMBEDDED_SECONDS=${DURATION_MS / 1000})`,
      `\`npm start\` compiled, embedded PGlite in DATA_DIR, Redis on this machine, README's defaults (overload guard: event loop delay 1 s). ` +
        `Client and SMTP sink in the bench process.`,
      '',
      '| request | answered | p50 | p95 | p99 | max |',
      '|---|---:|---:|---:|---:|---:|',
      line(`GET /v1/projects/${FIXTURE}, every ${READ_EVERY_MS} ms`, reads),
      line(`POST /v1/messages at ${RATE}/s`, posts),
      '',
      `Created ${posts.length} of ${total} in ${fmtMs(createdMs)}; ${sink.count() - sentBefore} sent ${fmtMs(allSentMs)} after the first request. ` +
        `503 from the overload guard: ${refused.read503} reads, ${refused.post503} creations; other answers: ${others}. ` +
        `Service CPU ${(cpuMs / Math.max(1, posts.length)).toFixed(2)} ms per message (${((cpuMs / allSentMs) * 100).toFixed(0)} % of one core).`,
      '',
      `**GET p99 ${fmtMs(p99)}, ${refused.read503 + refused.post503} × 503 → ` +
        `${p99 <= P99_GOAL_MS && refused.read503 + refused.post503 === 0 ? 'goal met' : 'GOAL NOT MET'} (p99 ≤ ${P99_GOAL_MS} ms, no 503)**`,
    ].join('\n');
  } catch (error) {
    (error as Error).message += `\nservice output: ${output.slice(-2000)}`;
    throw error;
  } finally {
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
