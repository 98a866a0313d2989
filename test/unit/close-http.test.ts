import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeHttp } from '../../src/http/close.js';

describe('stopping the HTTP server', () => {
  const apps: ReturnType<typeof Fastify>[] = [];
  afterEach(() => {
    for (const app of apps.splice(0)) app.server.closeAllConnections();
  });

  it('answers the request in flight, then ends its keep-alive connection instead of waiting for the client', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    // Fastify's keep-alive timeout (72 s) is left as the service has it.
    const app = Fastify();
    apps.push(app);
    app.get('/quick', async () => ({ ok: true }));
    app.get('/slow', async () => {
      arrived();
      await held;
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;

    // fetch keeps its connections alive, as browsers do: the slow request reuses the quick one's.
    expect((await fetch(`http://127.0.0.1:${port}/quick`)).status).toBe(200);
    const answer = fetch(`http://127.0.0.1:${port}/slow`);
    await inFlight;
    let stopped = false;
    const stopping = closeHttp(app).then(() => (stopped = true));
    // Answered once the server no longer listens: the connection was busy when it stopped.
    await vi.waitFor(() => expect(app.server.listening).toBe(false));
    release();
    expect((await answer).status).toBe(200);
    await stopping;
    expect(stopped).toBe(true);
  }, 5_000);
});
