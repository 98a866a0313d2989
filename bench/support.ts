import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { SMTPServer } from 'smtp-server';

/** Helpers shared by the end-to-end benchmarks: a cheap SMTP sink, a bounded runner, CPU probes. */

export interface CountingSink {
  url: string;
  /** Messages accepted so far (DATA commands that reached their end). */
  count(): number;
  /** Bytes of message data drained so far. */
  bytes(): number;
  /** TCP sessions opened so far: the pool's connections. */
  connections(): number;
  /** How often each X-Jalon-Message-Id was received (with `{ ids: true }`). */
  ids(): Map<string, number>;
  waitFor(count: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** An SMTP server on 127.0.0.1 that accepts everything and parses nothing: it counts and drains. */
export async function startCountingSink(options: { ids?: boolean } = {}): Promise<CountingSink> {
  const received = new Map<string, number>();
  let count = 0;
  let bytes = 0;
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onData(stream, _session, callback) {
      // The header block is in the first chunks: kept until the message id is found.
      let head = options.ids ? '' : undefined;
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (head === undefined) return;
        head += chunk.toString('latin1');
        const id = /^X-Jalon-Message-Id: *(\S+)/im.exec(head)?.[1];
        if (id) {
          received.set(id, (received.get(id) ?? 0) + 1);
          head = undefined;
        } else if (head.includes('\r\n\r\n')) head = undefined;
      });
      stream.on('end', () => {
        count++;
        callback();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    count: () => count,
    bytes: () => bytes,
    connections: () => connections,
    ids: () => received,
    async waitFor(target, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (count < target) {
        if (Date.now() > deadline) throw new Error(`SMTP sink got ${count} of ${target} messages in ${timeoutMs} ms`);
        await sleep(5);
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `task(0…count-1)` with at most `inFlight` at once; the first error stops new tasks and is thrown. */
export async function runBounded(count: number, inFlight: number, task: (index: number) => Promise<void>) {
  let next = 0;
  let failure: Error | undefined;
  const lane = async () => {
    while (failure === undefined && next < count) {
      const index = next++;
      try {
        await task(index);
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  if (failure !== undefined) throw failure;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Busy and total jiffies of the whole machine (Linux /proc/stat); undefined elsewhere. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** Length of one /proc CPU tick, ms. */
export const TICK_MS = 1000 / clockTicksPerSecond();

/** User + system CPU ticks of a process on this host (Linux /proc), undefined if unreadable. */
export function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime is the 12th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

export interface CpuSample {
  /** Wall time, ms. */
  wallMs: number;
  /** CPU time of this process (all threads), ms. */
  processMs: number;
  /** Event-loop utilisation of the main thread, 0…1. */
  elu: number;
  /** Share of the whole machine that was busy (all processes, all cores), 0…1; NaN if unknown. */
  machine: number;
}

/** Starts measuring; call the returned function to read what happened since. */
export function cpuProbe(): () => CpuSample {
  const wall = performance.now();
  const usage = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const ticks = machineTicks();
  return () => {
    const used = process.cpuUsage(usage);
    const after = machineTicks();
    return {
      wallMs: performance.now() - wall,
      processMs: (used.user + used.system) / 1000,
      elu: performance.eventLoopUtilization(elu).utilization,
      machine: ticks && after ? (after.busy - ticks.busy) / Math.max(1, after.total - ticks.total) : NaN,
    };
  };
}

export const CORES = cpus().length;

export function machineLine(): string {
  const list = cpus();
  return (
    `${list[0]?.model.trim() ?? 'unknown CPU'}, ${list.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `Node ${process.version}, ${process.platform} ${release()}`
  );
}

export const rate = (count: number, ms: number) => (count * 1000) / ms;
export const fmtRate = (perSecond: number) => `${perSecond.toFixed(0)} msg/s`;
export const fmtMs = (ms: number) => (Math.abs(ms) >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
export const pct = (share: number) => (Number.isNaN(share) ? 'n/a' : `${(share * 100).toFixed(0)} %`);
