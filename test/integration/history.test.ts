import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../../src/history/record.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/db.js';
import { loadFixture } from '../helpers/fixtures.js';

/** The timeline's filters, pages, content and scope, on an order with mail, SMS and visit events. */

const PROJECT = loadFixture('CMD-2026-000101');
const URL = `/v1/projects/${PROJECT.orderNumber}/history`;

interface Event {
  id: string;
  at: string;
  type: string;
  channel: string | null;
  template: string | null;
  recipients: { to: unknown[]; cc: unknown[] } | null;
  message: { id: string; href: string; content?: unknown } | null;
  data: Record<string, unknown>;
}

describe.each(BACKENDS)('project timeline on %s', (backend) => {
  let t: TestApp;
  const keys: Record<string, string> = {};
  let all: Event[] = [];
  const get = async (query: string, key = t.adminKey) => {
    const response = await t.request(key, { method: 'GET', url: `${URL}${query}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { events: Event[]; nextCursor: string | null };
  };
  const ids = (events: Event[]) => events.map((e) => e.id);

  beforeAll(async () => {
    t = await createTestApp(backend);
    for (const [name, input] of Object.entries({
      racOwn: { role: 'rac', agency: 'AERM', racId: PROJECT.rac.id },
      racOther: { role: 'rac', agency: 'AERM', racId: 'rac-laurent' },
      managerAERM: { role: 'manager', agency: 'AERM' },
      integrationAERM: { role: 'integration', agency: 'AERM' },
      integrationIDF: { role: 'integration', agency: 'IDF1' },
    } as const)) {
      keys[name] = await t.key({ name, ...input });
    }
    const send = async (key: string, method: string, url: string, payload?: unknown) => {
      const response = await t.request(key, { method, url, ...(payload ? { payload } : {}) });
      expect(response.statusCode, response.body).toBeLessThan(300);
      return response.json() as { id: string };
    };
    await send(keys.integrationAERM!, 'PUT', `/v1/projects/${PROJECT.orderNumber}`, PROJECT);
    // The welcome mail draft the new order gets, as the workers would prepare it.
    await t.settle();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await send(keys.racOwn!, 'POST', '/v1/messages', {
      projectRef: PROJECT.orderNumber,
      template: 'rle-recap',
      sendAt: later,
    });
    const sms = await send(keys.racOwn!, 'POST', '/v1/messages', {
      projectRef: PROJECT.orderNumber,
      template: 'rappel-intervention',
      draft: true,
      data: { kind: 'access', windowStart: '2026-12-15T08:00:00+01:00', windowEnd: '2026-12-15T12:00:00+01:00' },
    });
    await send(keys.integrationAERM!, 'POST', `/v1/messages/${sms.id}/cancel`, { reason: 'visite annulée' });
    await send(keys.racOwn!, 'PATCH', `/v1/projects/${PROJECT.orderNumber}/milestones`, {
      rlp: { actual: '2026-03-05' },
    });
    // Visit events come from the interventions module: whatever their type, the timeline shows them.
    await recordEvent(t.deps.db, {
      projectRef: PROJECT.orderNumber,
      type: 'intervention.booked',
      actor: { name: 'planning', onBehalfOf: PROJECT.rac.id },
      data: { interventionId: 'iv-1', siteRef: 'SU1010001' },
      at: t.deps.now(),
    });
    await recordEvent(t.deps.db, {
      projectRef: PROJECT.orderNumber,
      type: 'reminder.skipped',
      actor: { name: 'planning' },
      data: { interventionId: 'iv-1', template: 'rappel-intervention', channel: 'sms', reason: 'too_late' },
      at: t.deps.now(),
    });
    all = (await get('?limit=500')).events;
  });
  afterAll(async () => t?.close());

  it('lists every event in the order of recording, visits included', () => {
    expect(all.map((e) => e.type)).toEqual([
      'project.created',
      'message.drafted',
      'message.scheduled',
      'message.drafted',
      'message.cancelled',
      'milestones.updated',
      'intervention.booked',
      'reminder.skipped',
    ]);
    expect(ids(all).map(Number)).toEqual([...ids(all).map(Number)].sort((a, b) => a - b));
    expect(all[6]).toMatchObject({ actor: 'planning', onBehalfOf: PROJECT.rac.id, data: { interventionId: 'iv-1' } });
    expect(all[4]).toMatchObject({
      actor: 'integrationAERM',
      onBehalfOf: PROJECT.rac.id,
      channel: 'sms',
      status: 'cancelled',
    });
    expect(all[2]).toMatchObject({ actor: 'racOwn', onBehalfOf: null, channel: 'email', template: 'rle-recap' });
    expect(all[2]!.message?.href).toBe(`/v1/messages/${all[2]!.message?.id}`);
  });

  it.each([
    ['message', ['message.drafted', 'message.scheduled', 'message.drafted', 'message.cancelled']],
    ['message.cancelled,project.created', ['project.created', 'message.cancelled']],
    ['intervention.*', ['intervention.booked']],
    ['intervention,reminder', ['intervention.booked', 'reminder.skipped']],
    ['message.attempt_failed', []],
    ['messages', []],
  ])('filters by type "%s"', async (type, expected) => {
    expect((await get(`?type=${type}`)).events.map((e) => e.type)).toEqual(expected);
  });

  it('filters by channel, template and period', async () => {
    const sms = (await get('?channel=sms')).events;
    expect(sms.map((e) => e.type)).toEqual(['message.drafted', 'message.cancelled', 'reminder.skipped']);
    expect((await get('?template=rle-recap')).events.map((e) => e.type)).toEqual(['message.scheduled']);
    const accuse = (await get('?template=accuse-reception&channel=email')).events;
    expect(accuse.map((e) => [e.type, e.template])).toEqual([['message.drafted', 'accuse-reception']]);
    const today = DateTime.now().setZone('Europe/Paris');
    expect(ids((await get(`?from=${today.toISODate()}`)).events)).toEqual(ids(all));
    expect((await get(`?to=${today.minus({ days: 1 }).toISODate()}`)).events).toEqual([]);
    const pivot = all[3]!.at;
    expect(ids((await get(`?from=${pivot}`)).events)).toEqual(ids(all.filter((e) => e.at >= pivot)));
    expect(ids((await get(`?to=${pivot}`)).events)).toEqual(ids(all.filter((e) => e.at < pivot)));
  });

  it('pages with a stable cursor, either way', async () => {
    for (const order of ['asc', 'desc']) {
      const seen: Event[] = [];
      let cursor: string | null = null;
      do {
        const page: { events: Event[]; nextCursor: string | null } = await get(
          `?limit=3&order=${order}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.events.length).toBeLessThanOrEqual(3);
        seen.push(...page.events);
        cursor = page.nextCursor;
      } while (cursor);
      expect(ids(seen)).toEqual(order === 'asc' ? ids(all) : ids(all).reverse());
    }
  });

  it('links each message event to the message, with its recipients and, on request, its exact content', async () => {
    const withContent = (await get('?type=message&include=content')).events;
    // The four message events of the setup (see the type filter above), each checked below.
    expect(withContent).toHaveLength(4);
    for (const event of withContent) {
      const message = (await t.request(t.adminKey, { method: 'GET', url: event.message!.href })).json();
      expect(event.message!.content).toEqual(message.content);
      expect(event.recipients).toEqual({ to: message.to, cc: message.cc });
    }
    const withoutContent = (await get('?type=message')).events;
    expect(withoutContent).toHaveLength(4);
    expect(withoutContent.every((e) => e.message && !('content' in e.message))).toBe(true);
    const others = all.filter((e) => !e.type.startsWith('message.'));
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((e) => e.message === null && e.recipients === null)).toBe(true);
  });

  it('is open to every role within the project scope, and to no one else', async () => {
    for (const [key, status] of [
      ['racOwn', 200],
      ['managerAERM', 200],
      ['integrationAERM', 200],
      ['racOther', 403],
      ['integrationIDF', 403],
    ] as const) {
      expect((await t.request(keys[key], { method: 'GET', url: URL })).statusCode, key).toBe(status);
    }
    expect((await t.request(undefined, { method: 'GET', url: URL })).statusCode).toBe(401);
    expect((await t.request(t.adminKey, { method: 'GET', url: '/v1/projects/CMD-NONE/history' })).statusCode).toBe(404);
  });

  it.each([
    ['type=Message', 'querystring.type'],
    ['limit=0', 'querystring.limit'],
    ['cursor=abc', 'querystring.cursor'],
    ['from=2026-13-01', 'querystring.from'],
    ['to=2026-03-02T10:00:00', 'querystring.to'],
    ['channel=fax', 'querystring.channel'],
  ])('refuses %s, naming the field', async (query, field) => {
    const response = await t.request(t.adminKey, { method: 'GET', url: `${URL}?${query}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(new RegExp(`^${field.replace('.', '\\.')}`));
  });
});
