import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { asPerson, createPerson, sessionOf } from '../helpers/people.js';

describe('who am I, and how to sign in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite');
  });
  afterAll(() => t?.close());

  it('a session and a key both learn their name, role, agency and RAC', async () => {
    const person = await createPerson(t, {
      email: 'lea.laurent@orion-telecom.example',
      displayName: 'Léa Laurent',
      role: 'rac',
      agency: 'AERM',
      racId: 'rac-laurent',
    });
    const me = await asPerson(t, await sessionOf(t, person.id), { method: 'GET', url: '/v1/me' });
    expect(me.json()).toEqual({
      kind: 'user',
      id: person.id,
      name: 'Léa Laurent',
      role: 'rac',
      agency: 'AERM',
      racId: 'rac-laurent',
      queueWrite: false,
    });
    const key = await t.key({ name: 'portail', role: 'manager', agency: 'AERM' });
    expect((await t.request(key, { method: 'GET', url: '/v1/me' })).json()).toMatchObject({
      kind: 'key',
      name: 'portail',
      role: 'manager',
      racId: null,
    });
    expect((await t.request(undefined, { method: 'GET', url: '/v1/me' })).statusCode).toBe(401);
  });

  it('the sign-in page learns whether single sign-on is offered', async () => {
    const methods = await t.app.inject({ method: 'GET', url: '/auth/methods' });
    expect(methods.json()).toEqual({ link: true, sso: false });
  });
});
