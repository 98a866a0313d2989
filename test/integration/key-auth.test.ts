import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { steady } from '../helpers/people.js';
import { waitFor } from '../helpers/process.js';

const WRONG = (i: number) => `Bearer jln_ABCDEFGH_${String(i).padStart(40, 'x')}`;

describe.each(BACKENDS)('failed authentications on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(backend, { AUTH_FAILURES_PER_MINUTE: '20' });
  });
  afterAll(async () => t?.close());

  const get = (authorization: string, remoteAddress: string) =>
    t.app.inject({ method: 'GET', url: '/v1/templates', headers: { authorization }, remoteAddress });

  it('a brute force from one address gets 429 with Retry-After; a good key elsewhere still works', async () => {
    const attacker = '203.0.113.7';
    const statuses: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 1_000; i++) statuses.push((await get(WRONG(i), attacker)).statusCode);
    const elapsed = Date.now() - started;
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(980).fill(429));
    // Refused before any database lookup: a thousand tries cost little.
    expect(elapsed).toBeLessThan(15_000);

    const limited = await get(WRONG(0), attacker);
    expect(limited.statusCode).toBe(429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const { error } = limited.json() as { error: { code: string; message: string; requestId: string } };
    expect(error.code).toBe('rate_limited');
    expect(error.message).toMatch(/failed authentications/);
    expect(error.requestId).toBe(limited.headers['x-request-id']);

    // Even the right key is refused from that address while it is limited: a guess that
    // succeeds must look like every other guess.
    expect((await get(`Bearer ${t.adminKey}`, attacker)).statusCode).toBe(429);
    // Other addresses are not affected.
    expect((await get(`Bearer ${t.adminKey}`, '198.51.100.20')).statusCode).toBe(200);
    expect((await get(WRONG(1), '198.51.100.21')).statusCode).toBe(401);
  });

  it('requests with no key at all are not counted as failures', async () => {
    const address = '203.0.113.50';
    for (let i = 0; i < 30; i++) {
      const response = await t.app.inject({ method: 'GET', url: '/v1/templates', remoteAddress: address });
      expect(response.statusCode).toBe(401);
    }
    expect((await get(`Bearer ${t.adminKey}`, address)).statusCode).toBe(200);
  });
});

describe('revocation seen by another process on postgres', () => {
  let one: TestApp;
  let two: TestApp;
  beforeAll(async () => {
    one = await createTestApp('postgres');
    // A second instance of the service on the same database, as behind a load balancer.
    two = await createTestApp('postgres', { DATABASE_URL: one.deps.config.DATABASE_URL ?? '' });
    await steady(one, two);
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  it('a key revoked through one instance is refused by the other within 1 s', async () => {
    const delays: number[] = [];
    for (let round = 0; round < 3; round++) {
      const key = await one.key({ name: `soon revoked ${round}`, role: 'admin', agency: '*' });
      // The other instance has just verified (and remembered) the key.
      expect((await two.request(key, { method: 'GET', url: '/v1/templates' })).statusCode).toBe(200);
      const revoked = await one.request(one.adminKey, { method: 'DELETE', url: `/v1/keys/${key.slice(0, 12)}` });
      expect(revoked.statusCode).toBe(200);
      const at = Date.now();
      expect((await one.request(key, { method: 'GET', url: '/v1/templates' })).statusCode).toBe(401);
      const status = await waitFor(async () => {
        const { statusCode } = await two.request(key, { method: 'GET', url: '/v1/templates' });
        return statusCode === 200 ? undefined : statusCode;
      }, 5_000);
      expect(status).toBe(401);
      delays.push(Date.now() - at);
    }
    expect(Math.max(...delays), `delays ${delays.join(', ')} ms`).toBeLessThanOrEqual(1_000);
  });
});
