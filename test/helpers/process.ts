import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { inject } from 'vitest';
import { TEST_SERVICE_ENV } from './env.js';

export interface Spawned {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a command with a clean environment. `detached` gives it a process group of its own, as
 * a terminal does, so that `interrupt` can send Ctrl-C to the whole group.
 */
export function spawnCommand(
  command: string,
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; detached?: boolean } = {},
): Spawned {
  let output = '';
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...TEST_SERVICE_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    detached: options.detached ?? false,
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      // The child's logs join the run's logs, which are checked for personal data at the end.
      appendFileSync(join(inject('logDir'), `child-${child.pid}.log`), output);
      resolve({ code, signal });
    }),
  );
  return { child, output: () => output, exited };
}

/** Runs a TypeScript entry point from the sources (through tsx), with a clean environment. */
export function spawnEntry(entry: string, env: Record<string, string>): Spawned {
  return spawnCommand(process.execPath, ['--import', 'tsx', entry], env);
}

/** Ctrl-C in a terminal: SIGINT to every process of the command's group. */
export function interrupt(spawned: Spawned): void {
  if (spawned.child.pid) process.kill(-spawned.child.pid, 'SIGINT');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
