import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { freePort, interrupt, spawnCommand, type Spawned, waitFor } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * `npm start` as on a fresh clone after `npm install`: no dist/ yet, so it compiles, then runs
 * the compiled JavaScript with node in the same process, which stops cleanly on SIGTERM sent
 * to npm and on Ctrl-C sent to the terminal's process group.
 */
describe('npm start on a fresh checkout', () => {
  let checkout: string;
  let env: Record<string, string>;
  let port: number;
  const running: Spawned[] = [];

  beforeAll(async () => {
    checkout = mkdtempSync(join(tmpdir(), 'jalon-checkout-'));
    for (const entry of [
      'src',
      'workers',
      'templates',
      'web',
      'scripts',
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ]) {
      // As a fresh clone has it: without the console's build output (it is not in git).
      cpSync(join(ROOT, entry), join(checkout, entry), {
        recursive: true,
        filter: (source) => !source.startsWith(join(ROOT, 'web/dist')),
      });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
    port = await freePort();
    env = {
      DATA_DIR: join(checkout, 'data'),
      OUTBOX_DIR: join(checkout, 'outbox'),
      PORT: String(port),
      REDIS_URL: TEST_REDIS_URL,
    };
  });
  afterAll(async () => {
    for (const p of running) {
      // The whole group: a service left behind by npm would outlive npm itself.
      try {
        if (p.child.pid) process.kill(-p.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await p.exited;
    }
    rmSync(checkout, { recursive: true, force: true });
  });

  const start = async () => {
    const run = spawnCommand(NPM, ['start'], env, { cwd: checkout, detached: true });
    running.push(run);
    const state = await waitFor(async () => {
      if (run.child.exitCode !== null) return 'exited';
      return (await fetch(`http://127.0.0.1:${port}/ready`)).status === 200 ? 'ready' : undefined;
    }, 120_000);
    expect(state, run.output()).toBe('ready');
    return run;
  };
  const answers = () =>
    fetch(`http://127.0.0.1:${port}/health`).then(
      () => true,
      () => false,
    );

  it('compiles first, then serves from dist/ and stops on SIGTERM sent to npm', async () => {
    const run = await start();
    expect(run.output()).toContain('compiling to dist/ first');
    expect(existsSync(join(checkout, 'dist/src/main.js'))).toBe(true);
    expect(existsSync(join(checkout, 'dist/templates/accuse-reception/manifest.js'))).toBe(true);
    // The console was built with the service, and the service serves it under its policy.
    const page = await fetch(`http://127.0.0.1:${port}/app/projects/CMD-2026-000102`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<html lang="fr">');
    const script = /src="(\/app\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script, html).toBeTruthy();
    const asset = await fetch(`http://127.0.0.1:${port}${script}`, { headers: { 'accept-encoding': 'br' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
    const stoppedAt = Date.now();
    run.child.kill('SIGTERM');
    expect((await run.exited).code, run.output()).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    // The service itself stopped, not only npm.
    expect(await answers()).toBe(false);
  }, 180_000);

  it('starts again without compiling, and stops on Ctrl-C', async () => {
    const run = await start();
    expect(run.output()).not.toContain('compiling');
    interrupt(run);
    expect((await run.exited).code, run.output()).toBe(0);
    expect(await answers()).toBe(false);
  }, 180_000);
});
