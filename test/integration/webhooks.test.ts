import { and, eq, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { messages, webhookDeliveries, webhookEndpoints } from '../../src/db/schema.js';
import { createDeadlineWatch } from '../../src/projects/missed.js';
import { loadFixture } from '../helpers/fixtures.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { type Delivery, type Receiver, startReceiver } from '../helpers/receiver.js';

const AERM = loadFixture('CMD-2026-000101');
const IDF = { ...loadFixture('CMD-2026-000103'), agency: 'IDF' };
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;

interface Created {
  endpoint: { id: string; agency: string; events: string[]; enabled: boolean };
  secret: string;
}

describe('outbound webhooks (PostgreSQL, real receiver)', () => {
  let p: Pipeline;
  let receiver: Receiver;
  const create = async (payload: Record<string, unknown>, key = p.adminKey) =>
    p.request(key, { method: 'POST', url: '/v1/webhooks', payload });
  const endpoint = async (path: string, payload: Record<string, unknown> = {}) => {
    const response = await create({ url: receiver.url(path), events: ['*'], agency: '*', ...payload });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as Created;
  };
  const on = (path: string) => (requests: Delivery[]) => requests.filter((r) => r.path === path);

  beforeAll(async () => {
    receiver = await startReceiver();
    p = await createPipeline('postgres', {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_BACKOFF_MS: '50',
      WEBHOOK_DISABLE_AFTER_MS: '1500',
      FOLLOWUP_INTERVAL_MS: '50',
    });
  });
  afterAll(async () => {
    await p?.close();
    await receiver?.close();
  });

  it('creates an endpoint: the secret in the whsec_ form, shown once, never listed', async () => {
    const created = await endpoint('/created', { events: ['message.*'], description: 'Portail commandes' });
    expect(created.secret).toMatch(SECRET);
    expect(created.endpoint).toMatchObject({ agency: '*', events: ['message.*'], enabled: true });
    const listed = await p.request(p.adminKey, { method: 'GET', url: '/v1/webhooks' });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).toContain(created.endpoint.id);
    expect(listed.body).not.toContain(created.secret.slice(6));
    const one = await p.request(p.adminKey, { method: 'GET', url: `/v1/webhooks/${created.endpoint.id}` });
    expect(one.body).not.toContain(created.secret.slice(6));
  });

  it('refuses bad input naming the field, and stores nothing', async () => {
    const before = await p.deps.db.select().from(webhookEndpoints);
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'ftp://example.test/x', events: ['*'], agency: '*' }, 'body.url'],
      [{ url: 'https://user:pw@example.test/x', events: ['*'], agency: '*' }, 'body.url'],
      [{ url: 'https://example.test/x', events: ['message.opened'], agency: '*' }, 'body.events.0'],
      [{ url: 'https://example.test/x', events: [], agency: '*' }, 'body.events'],
      [{ url: 'https://example.test/x', events: ['*'], agency: 'aerm' }, 'body.agency'],
      // A national key must say which agency's events the endpoint receives.
      [{ url: 'https://example.test/x', events: ['*'] }, 'body.agency'],
    ];
    for (const [payload, path] of cases) {
      const response = await create(payload);
      expect(response.statusCode, response.body).toBe(400);
      const { error } = response.json() as { error: { message: string; details: { path: string }[] } };
      expect(error.details[0]?.path, JSON.stringify(payload)).toBe(path);
      expect(error.message.startsWith(path)).toBe(true);
    }
    expect(await p.deps.db.select().from(webhookEndpoints)).toEqual(before);
  });

  it('delivers signed events an order tool verifies with the standardwebhooks library, order and message alike', async () => {
    const { endpoint: target, secret } = await endpoint('/all');
    const put = await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${AERM.orderNumber}`, payload: AERM });
    expect(put.statusCode, put.body).toBe(201);
    const created = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: AERM.orderNumber, template: 'relance-bilan' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const messageId = (created.json() as { id: string }).id;
    await p.waitForStatus(messageId, ['sent']);
    const visit = DateTime.now()
      .setZone('Europe/Paris')
      .plus({ days: 20 })
      .set({ weekday: 2, hour: 8 })
      .startOf('hour');
    const visitUrl = `/v1/projects/${AERM.orderNumber}/interventions/visit-1`;
    const booked = await p.request(p.adminKey, {
      method: 'PUT',
      url: visitUrl,
      payload: {
        siteRef: AERM.sites[0]?.ref,
        kind: 'access',
        windowStart: visit.toISO(),
        windowEnd: visit.plus({ hours: 4 }).toISO(),
      },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const later = visit.plus({ days: 1 });
    const moved = await p.request(p.adminKey, {
      method: 'PUT',
      url: visitUrl,
      payload: {
        siteRef: AERM.sites[0]?.ref,
        kind: 'access',
        windowStart: later.toISO(),
        windowEnd: later.plus({ hours: 4 }).toISO(),
      },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect((await p.request(p.adminKey, { method: 'DELETE', url: visitUrl })).statusCode).toBe(200);
    // The welcome mail the automation prepared as a draft, cancelled; a mail the relay refuses.
    const [draft] = await p.deps.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.projectRef, AERM.orderNumber), eq(messages.status, 'draft')));
    const cancelled = await p.request(p.adminKey, {
      method: 'POST',
      url: `/v1/messages/${draft?.id}/cancel`,
      payload: { reason: 'envoyé à la main' },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    p.smtp.failNext(550);
    const refused = await p.request(p.adminKey, {
      method: 'POST',
      url: '/v1/messages',
      payload: { projectRef: AERM.orderNumber, template: 'relance-bilan' },
    });
    await p.waitForStatus((refused.json() as { id: string }).id, ['failed']);
    const relabelled = { ...AERM, label: `${AERM.label} (phase 2)` };
    const updated = await p.request(p.adminKey, {
      method: 'PUT',
      url: `/v1/projects/${AERM.orderNumber}`,
      payload: relabelled,
    });
    expect(updated.statusCode, updated.body).toBe(200);
    const imported = await p.request(p.adminKey, {
      method: 'POST',
      url: `/v1/projects/${AERM.orderNumber}/sites/import`,
      payload:
        'Référence;Nom;Adresse;Code postal;Ville;Rôle;Contact\n' +
        'SU1010001;Siège Montpellier;104 avenue Jean Jaurès;34000;Montpellier;principal;ct-1\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.statusCode, imported.body).toBe(200);
    const patched = await p.request(p.adminKey, {
      method: 'PATCH',
      url: `/v1/projects/${AERM.orderNumber}/milestones`,
      payload: { clientContact: { actual: '2026-03-03' } },
    });
    expect(patched.statusCode, patched.body).toBe(200);

    const wanted = [
      'project.created',
      'project.updated',
      'project.milestones_updated',
      'project.sites_imported',
      'message.drafted',
      'message.scheduled',
      'message.sent',
      'message.failed',
      'message.cancelled',
      'intervention.booked',
      'intervention.moved',
      'intervention.cancelled',
    ];
    const requests = await receiver.waitFor((all) => {
      const types = new Set(on('/all')(all).map((r) => JSON.parse(r.body).type));
      return wanted.every((type) => types.has(type));
    });
    for (const request of on('/all')(requests)) {
      const verified = receiver.verify(request, secret);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.id).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(verified.data.projectRef).toBe(AERM.orderNumber);
      // Ids and statuses only: nothing of the contacts, the RAC or the content.
      for (const personal of [AERM.rac.email, AERM.rac.lastName, AERM.contacts[0]?.lastName, AERM.client.company]) {
        expect(request.body).not.toContain(personal);
      }
      // A tampered body or another secret does not verify.
      expect(() => receiver.verify({ ...request, body: request.body.replace('project', 'projet') }, secret)).toThrow();
      expect(() => receiver.verify(request, `whsec_${Buffer.alloc(32, 1).toString('base64')}`)).toThrow();
    }
    const sent = on('/all')(requests)
      .map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> })
      .find((event) => event.type === 'message.sent');
    expect(sent?.data).toEqual({
      projectRef: AERM.orderNumber,
      messageId,
      template: 'relance-bilan',
      channel: 'email',
      status: 'sent',
    });
    const log = await p.request(p.adminKey, { method: 'GET', url: `/v1/webhooks/${target.id}/deliveries?limit=2` });
    expect(log.statusCode, log.body).toBe(200);
    const page = log.json() as { deliveries: { status: string; attempts: number }[]; next: string | null };
    expect(page.deliveries).toHaveLength(2);
    expect(page.next).not.toBeNull();
    const second = await p.request(p.adminKey, {
      method: 'GET',
      url: `/v1/webhooks/${target.id}/deliveries?limit=200&cursor=${page.next}`,
    });
    const rest = (second.json() as { deliveries: { id: string }[] }).deliveries;
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.map((d) => d.id)).not.toContain((page.deliveries[0] as unknown as { id: string }).id);
  });

  it('a receiver answering 500 three times gets each event exactly once once it recovers, under one webhook-id', async () => {
    const { endpoint: target, secret } = await endpoint('/flaky', { events: ['project.*'] });
    receiver.respond((request, attempt) => ({ status: request.path === '/flaky' && attempt <= 3 ? 500 : 204 }));
    const order = { ...AERM, orderNumber: 'CMD-2026-900001', trackingNumber: 'SUIVI-900001' };
    expect(
      (await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${order.orderNumber}`, payload: order }))
        .statusCode,
    ).toBe(201);
    const changed = { ...order, label: `${order.label} (2)` };
    expect(
      (await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${order.orderNumber}`, payload: changed }))
        .statusCode,
    ).toBe(200);
    const mine = (all: Delivery[]) => on('/flaky')(all).filter((r) => r.body.includes(order.orderNumber));
    await receiver.waitFor((all) => mine(all).filter((r) => r.status === 204).length === 2);
    const requests = mine(receiver.requests);
    const ids = [...new Set(requests.map((r) => r.id))];
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      const attempts = requests.filter((r) => r.id === id);
      expect(attempts.map((r) => r.status)).toEqual([500, 500, 500, 204]);
      for (const attempt of attempts) receiver.verify(attempt, secret);
    }
    expect(
      requests
        .map((r) => JSON.parse(r.body).type)
        .filter((_, i) => requests[i]?.status === 204)
        .sort(),
    ).toEqual(['project.created', 'project.updated']);
    // The worker records the outcome once the receiver's answer is back: wait for that write.
    await vi.waitFor(
      async () => {
        const rows = await p.deps.db
          .select()
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.endpointId, target.id));
        const recovered = rows.filter((r) => ids.includes(r.id));
        expect(recovered).toHaveLength(2);
        for (const row of recovered) {
          expect(row).toMatchObject({ status: 'succeeded', attempts: 4, responseStatus: 204, lastError: null });
        }
      },
      { timeout: 15_000, interval: 50 },
    );
    const [stored] = await p.deps.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, target.id));
    expect(stored?.failingSince).toBeNull();
    receiver.respond(() => ({ status: 204 }));
  });

  it('an endpoint of one agency never receives another agency’s events', async () => {
    const idfKey = await p.key({ name: 'admin IDF', role: 'admin', agency: 'IDF' });
    const idf = await create({ url: receiver.url('/idf'), events: ['*'] }, idfKey);
    expect(idf.statusCode, idf.body).toBe(201);
    const idfEndpoint = (idf.json() as Created).endpoint;
    expect(idfEndpoint.agency).toBe('IDF');
    const aermKey = await p.key({ name: 'admin AERM', role: 'admin', agency: 'AERM' });
    const aerm = (await create({ url: receiver.url('/aerm'), events: ['project.*'] }, aermKey)).json() as Created;
    // Outside its scope, an endpoint is not found; a scoped admin cannot register for every agency.
    expect((await p.request(aermKey, { method: 'GET', url: `/v1/webhooks/${idfEndpoint.id}` })).statusCode).toBe(404);
    expect((await create({ url: receiver.url('/x'), events: ['*'], agency: '*' }, aermKey)).statusCode).toBe(403);
    const listed = (await p.request(aermKey, { method: 'GET', url: '/v1/webhooks' })).json() as {
      endpoints: { id: string }[];
    };
    expect(listed.endpoints.map((e) => e.id)).toEqual([aerm.endpoint.id]);

    expect(
      (await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${IDF.orderNumber}`, payload: IDF })).statusCode,
    ).toBe(201);
    const order = { ...AERM, orderNumber: 'CMD-2026-900002', trackingNumber: 'SUIVI-900002' };
    expect(
      (await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${order.orderNumber}`, payload: order }))
        .statusCode,
    ).toBe(201);
    await receiver.waitFor((all) => on('/aerm')(all).some((r) => r.body.includes(order.orderNumber)));
    await receiver.waitFor((all) => on('/idf')(all).some((r) => r.body.includes(IDF.orderNumber)));
    await p.settle();
    const idfRows = await p.deps.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, idfEndpoint.id));
    expect(idfRows.length).toBeGreaterThan(0);
    expect(idfRows.every((row) => JSON.stringify(row.payload).includes(IDF.orderNumber))).toBe(true);
    const aermRows = await p.deps.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, aerm.endpoint.id));
    expect(aermRows.some((row) => JSON.stringify(row.payload).includes(IDF.orderNumber))).toBe(false);
    expect(on('/aerm')(receiver.requests).some((r) => r.body.includes(IDF.orderNumber))).toBe(false);
    expect(on('/idf')(receiver.requests).some((r) => r.body.includes('CMD-2026-9000'))).toBe(false);
  });

  it('sends a test event on request, and lists it in the delivery log', async () => {
    const { endpoint: target, secret } = await endpoint('/test', { events: ['survey.answered'] });
    const response = await p.request(p.adminKey, { method: 'POST', url: `/v1/webhooks/${target.id}/test` });
    expect(response.statusCode, response.body).toBe(202);
    const [request] = await receiver.waitFor((all) => on('/test')(all).length === 1).then(on('/test'));
    expect(receiver.verify(request!, secret)).toMatchObject({ type: 'webhook.test', data: { endpointId: target.id } });
    const log = await p.request(p.adminKey, { method: 'GET', url: `/v1/webhooks/${target.id}/deliveries` });
    expect((log.json() as { deliveries: { id: string; type: string }[] }).deliveries).toMatchObject([
      { id: request!.id, type: 'webhook.test' },
    ]);
  });

  it('does not follow a redirect: the delivery fails and the other address is never called', async () => {
    const { endpoint: target } = await endpoint('/moved');
    receiver.respond((request) =>
      request.path === '/moved' ? { status: 302, headers: { location: receiver.url('/elsewhere') } } : { status: 204 },
    );
    expect((await p.request(p.adminKey, { method: 'POST', url: `/v1/webhooks/${target.id}/test` })).statusCode).toBe(
      202,
    );
    await receiver.waitFor((all) => on('/moved')(all).length >= 2);
    const [row] = await p.deps.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, target.id));
    expect(row?.lastError).toBe('redirect 302 not followed');
    expect(row?.responseStatus).toBe(302);
    expect(on('/elsewhere')(receiver.requests)).toEqual([]);
    await p.request(p.adminKey, { method: 'DELETE', url: `/v1/webhooks/${target.id}` });
    receiver.respond(() => ({ status: 204 }));
  });

  it('an endpoint failing for longer than the limit is disabled, its alert mailbox told, and gets nothing more', async () => {
    const { endpoint: target } = await endpoint('/down', {
      events: ['project.*'],
      alertEmail: 'exploitation@operateur.example',
    });
    receiver.respond((request) => ({ status: request.path === '/down' ? 503 : 204 }));
    const mails = p.smtp.received.length;
    expect((await p.request(p.adminKey, { method: 'POST', url: `/v1/webhooks/${target.id}/test` })).statusCode).toBe(
      202,
    );
    const mail = (await p.smtp.waitFor(mails + 1))
      .slice(mails)
      .find((m) => m.envelope.to.includes('exploitation@operateur.example'));
    expect(mail?.mail.subject).toBe('Jalon a désactivé un point de réception de webhooks');
    expect(mail?.mail.text).toContain(`/v1/webhooks/${target.id}`);
    const view = (await p.request(p.adminKey, { method: 'GET', url: `/v1/webhooks/${target.id}` })).json();
    expect(view).toMatchObject({ enabled: false, disabledReason: 'every delivery failed' });
    expect(view.failingSince).not.toBeNull();
    // New events are not even queued for it.
    const order = { ...AERM, orderNumber: 'CMD-2026-900003', trackingNumber: 'SUIVI-900003' };
    expect(
      (await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${order.orderNumber}`, payload: order }))
        .statusCode,
    ).toBe(201);
    await p.settle();
    const rows = await p.deps.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, target.id));
    expect(rows.map((row) => row.type)).toEqual(['webhook.test']);
    expect(rows[0]?.status).toBe('failed');
    // Enabled again, it receives the next events.
    receiver.respond(() => ({ status: 204 }));
    const enabled = await p.request(p.adminKey, {
      method: 'PATCH',
      url: `/v1/webhooks/${target.id}`,
      payload: { enabled: true },
    });
    expect(enabled.json()).toMatchObject({ enabled: true, failingSince: null, disabledAt: null });
    const next = { ...order, label: 'Nouveau libellé' };
    await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${order.orderNumber}`, payload: next });
    await receiver.waitFor((all) =>
      on('/down')(all).some((r) => r.status === 204 && r.body.includes(order.orderNumber)),
    );
  });

  it('announces a missed kick-off deadline once, as project.deadline_missed', async () => {
    const { secret } = await endpoint('/deadlines', { events: ['project.deadline_missed'] });
    const received = DateTime.fromJSDate(p.deps.now(), { zone: 'Europe/Paris' }).minus({ days: 10 }).toISODate()!;
    const order = { ...AERM, orderNumber: 'CMD-2026-900004', trackingNumber: 'SUIVI-900004', receivedAt: received };
    expect(
      (await p.request(p.adminKey, { method: 'PUT', url: `/v1/projects/${order.orderNumber}`, payload: order }))
        .statusCode,
    ).toBe(201);
    const watch = createDeadlineWatch({ db: p.deps.db, now: p.deps.now, logger: p.deps.logger });
    await watch.runOnce();
    await watch.runOnce();
    await receiver.waitFor((all) => on('/deadlines')(all).some((r) => r.body.includes(order.orderNumber)));
    await p.settle();
    const mine = on('/deadlines')(receiver.requests).filter((r) => r.body.includes(order.orderNumber));
    expect(mine).toHaveLength(1);
    const due = DateTime.fromISO(received).plus({ days: 5 }).toISODate();
    expect(receiver.verify(mine[0]!, secret)).toMatchObject({
      type: 'project.deadline_missed',
      data: { projectRef: order.orderNumber, milestone: 'rlp', due },
    });
    const counted = (await p.deps.db.execute(
      sql`select count(*)::int as count from history_events where project_ref = ${order.orderNumber} and type = 'project.deadline_missed'`,
    )) as unknown as { rows: { count: number }[] };
    expect(counted.rows[0]?.count).toBe(1);
  });
});

describe('outbound webhooks to private addresses (not allowed)', () => {
  let p: Pipeline;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    p = await createPipeline('postgres', { WEBHOOK_BACKOFF_MS: '50' });
  });
  afterAll(async () => {
    await p?.close();
    await receiver?.close();
  });

  it('refuses to register a loopback, private or link-local target, naming body.url', async () => {
    for (const url of [
      receiver.url(),
      'http://localhost:8080/x',
      'http://10.1.2.3/x',
      'http://169.254.169.254/latest',
      'http://[::1]/x',
    ]) {
      const response = await p.request(p.adminKey, {
        method: 'POST',
        url: '/v1/webhooks',
        payload: { url, events: ['*'], agency: '*' },
      });
      expect(response.statusCode, url).toBe(422);
      expect((response.json() as { error: unknown }).error).toMatchObject({
        code: 'target_refused',
        details: [{ path: 'body.url' }],
      });
    }
    expect(await p.deps.db.select().from(webhookEndpoints)).toEqual([]);
  });

  it('never connects to a private address at delivery time either', async () => {
    // As if stored while private targets were allowed.
    const [row] = await p.deps.db
      .insert(webhookEndpoints)
      .values({
        id: crypto.randomUUID(),
        url: receiver.url('/private'),
        events: ['*'],
        agency: '*',
        secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
        createdBy: 'test',
      })
      .returning();
    const test = await p.request(p.adminKey, { method: 'POST', url: `/v1/webhooks/${row!.id}/test` });
    expect(test.statusCode, test.body).toBe(202);
    const deliveryId = (test.json() as { id: string }).id;
    for (const deadline = Date.now() + 20_000; ;) {
      const [delivery] = await p.deps.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId));
      if (delivery?.status === 'failed') {
        expect(delivery.lastError).toMatch(/private or loopback/);
        expect(delivery.responseStatus).toBeNull();
        break;
      }
      if (Date.now() > deadline) throw new Error(`delivery is ${delivery?.status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(receiver.requests).toEqual([]);
  });
});
