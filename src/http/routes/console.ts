import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Where the built console is, next to this module in both layouts: src/http/routes → web/dist
 * from the sources, dist/src/http/routes → dist/web/dist once compiled (scripts/build.mjs).
 */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));

// Nothing from another origin, no inline script, no eval: the console is its own files and /v1.
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The frame a mail preview is written into: the mail's own inline styles apply, no script of
 * it ever runs (none is allowed, and the console's iframe is sandboxed without scripts).
 */
const FRAME_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "frame-ancestors 'self'",
].join('; ');
const FRAME = 'frame.html';

const NOT_BUILT = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Console indisponible · Jalon</title></head>
<body><h1>La console n’est pas encore construite</h1><p>Lancez <code>npm run build</code> (ou <code>npm start</code>, qui la construit), puis rechargez cette page.</p></body></html>`;

/**
 * The web console at /app/: its hashed assets (cached for good), and index.html for every
 * other path under /app/, so that a deep link such as /app/projects/CMD-1 opens the right screen.
 */
export function consoleRoutes(root = CONSOLE_DIR) {
  return async (app: FastifyInstance) => {
    const built = existsSync(join(root, 'index.html'));
    await app.register(fastifyStatic, { root, serve: false, preCompressed: true });

    app.addHook('onSend', async (request, reply) => {
      if (!request.url.startsWith('/app')) return;
      const frame = request.url.split('?')[0] === `/app/${FRAME}`;
      void reply.header('content-security-policy', frame ? FRAME_CSP : CONSOLE_CSP);
      if (frame) void reply.header('x-frame-options', 'SAMEORIGIN');
    });

    app.get('/app', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/app/', 301));
    app.get<{ Params: { '*': string } }>('/app/*', { schema: { hide: true } }, async (request, reply) => {
      if (!built)
        return reply.status(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
      const path = request.params['*'];
      if (path.startsWith('assets/')) {
        return reply.sendFile(path, { maxAge: '365d', immutable: true });
      }
      if (path === FRAME) return reply.sendFile(FRAME, { maxAge: 0 });
      // Every other path is a screen of the single-page app; it always asks for the newest build.
      return reply.header('cache-control', 'no-cache').sendFile('index.html', { maxAge: 0, cacheControl: false });
    });
  };
}
