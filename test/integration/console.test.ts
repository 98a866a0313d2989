import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoutes } from '../../src/http/routes/console.js';

/** A built console of two files, as Vite and scripts/build-web.mjs leave it. */
function fakeBuild(): string {
  const root = mkdtempSync(join(tmpdir(), 'jalon-console-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(
    join(root, 'index.html'),
    '<!doctype html><html lang="fr"><script type="module" src="/app/assets/index-abc.js"></script></html>',
  );
  writeFileSync(join(root, 'assets/index-abc.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets/index-abc.js.br'), Buffer.from([0x0b, 0x06, 0x80, 0x63, 0x6f, 0x6e, 0x73, 0x03]));
  writeFileSync(join(root, 'frame.html'), '<!doctype html><html><body></body></html>');
  return root;
}

describe('the console at /app/', () => {
  const app = Fastify();
  beforeAll(async () => {
    await app.register(consoleRoutes(fakeBuild()));
  });
  afterAll(() => app.close());

  it('answers every screen path with the page, uncached, under a policy that admits only this origin', async () => {
    for (const url of [
      '/app/',
      '/app/projects/CMD-2026-000102',
      '/app/messages/0b0e9f1c-0000-4000-8000-000000000000',
    ]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.body).toContain('lang="fr"');
      expect(response.headers['cache-control']).toBe('no-cache');
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe');
      expect(csp).toContain("frame-ancestors 'none'");
    }
    expect((await app.inject({ url: '/app' })).headers.location).toBe('/app/');
  });

  it('serves hashed assets for good, compressed when the browser takes it, and nothing outside them', async () => {
    const plain = await app.inject({ url: '/app/assets/index-abc.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['cache-control']).toContain('immutable');
    const br = await app.inject({ url: '/app/assets/index-abc.js', headers: { 'accept-encoding': 'br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect((await app.inject({ url: '/app/assets/missing.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/app/assets/../../index.html' })).statusCode).not.toBe(200);
  });

  it('gives the preview frame a policy of its own: the mail’s styles, no script, framed only here', async () => {
    const frame = await app.inject({ url: '/app/frame.html' });
    const csp = String(frame.headers['content-security-policy']);
    expect(csp).toContain("style-src 'unsafe-inline'");
    expect(csp).not.toContain('script-src');
    expect(csp).toContain("frame-ancestors 'self'");
  });

  it('says how to build it when it is not built', async () => {
    const bare = Fastify();
    const empty = mkdtempSync(join(tmpdir(), 'jalon-console-'));
    expect(existsSync(join(empty, 'index.html'))).toBe(false);
    await bare.register(consoleRoutes(empty));
    const response = await bare.inject({ url: '/app/' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('npm run build');
    await bare.close();
  });
});
