import { lookup } from 'node:dns/promises';
import { randomUUID } from 'node:crypto';
import { and, desc, eq, lt, or, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { webhookDeliveries, webhookEndpoints } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { withTimeout } from '../lib/timeout.js';
import { assertRole, inAgency } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import { TEST_EVENT } from './events.js';
import { assertPublicLiteral, isPrivateAddress } from './guard.js';
import type { WebhookQueue } from './queue.js';
import type { DeliveriesQuery, EndpointInput, EndpointPatch } from './schema.js';
import { newSecret } from './sender.js';
import { decodeCursor, deliveryView, encodeCursor, endpointView, type EndpointRow, newDeliveryId } from './views.js';

export interface WebhooksDeps {
  db: Db;
  queue: WebhookQueue;
  now: () => Date;
  allowPrivate: boolean;
}

const refusedTarget = (message: string) =>
  new AppError('target_refused', 422, `body.url: ${message}`, { details: [{ path: 'body.url', message }] });

/**
 * Endpoints of the order tools, managed by admins within their agency scope: an endpoint
 * receives the events of one agency (or of all, for a national admin), never more than its
 * creator may read.
 */
export function createWebhooks(deps: WebhooksDeps) {
  const { db, now } = deps;

  /** A target that is plainly private is refused at once; delivery checks again on each connection. */
  async function assertTarget(raw: string): Promise<void> {
    if (deps.allowPrivate) return;
    const url = new URL(raw);
    try {
      assertPublicLiteral(url);
    } catch (error) {
      throw refusedTarget((error as Error).message);
    }
    const addresses = await withTimeout(lookup(url.hostname, { all: true }), 3_000).catch(() => []);
    if (addresses.some((entry) => isPrivateAddress(entry.address))) {
      throw refusedTarget(`${url.hostname} resolves to a private or loopback address`);
    }
  }

  function agencyFor(caller: Caller, agency: string | undefined): string {
    const chosen = agency ?? (caller.agency === '*' ? undefined : caller.agency);
    if (!chosen) {
      throw new AppError('invalid_input', 400, 'body.agency: required for a national key (an agency code, or *)', {
        details: [{ path: 'body.agency', message: 'required for a national key (an agency code, or *)' }],
      });
    }
    if (!inAgency(caller, chosen)) {
      throw new AppError('forbidden', 403, `This key can only manage webhooks of agency ${caller.agency}`);
    }
    return chosen;
  }

  async function owned(id: string, caller: Caller): Promise<EndpointRow> {
    assertRole(caller, ['admin']);
    const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    // An endpoint of another agency is not found rather than forbidden: its existence is not said.
    if (!row || !inAgency(caller, row.agency)) throw notFound(`Webhook endpoint ${id}`);
    return row;
  }

  return {
    async create(input: EndpointInput, caller: Caller) {
      assertRole(caller, ['admin']);
      const agency = agencyFor(caller, input.agency);
      await assertTarget(input.url);
      const secret = newSecret();
      const [row] = await db
        .insert(webhookEndpoints)
        .values({
          id: randomUUID(),
          url: input.url,
          description: input.description ?? null,
          events: [...new Set(input.events)],
          agency,
          secret,
          alertEmail: input.alertEmail ?? null,
          createdBy: caller.name,
          createdAt: now(),
          updatedAt: now(),
        })
        .returning();
      if (!row) throw new Error('webhook endpoint not stored');
      return { endpoint: endpointView(row), secret };
    },

    async list(caller: Caller) {
      assertRole(caller, ['admin']);
      const rows = await db.select().from(webhookEndpoints).orderBy(webhookEndpoints.createdAt);
      return { endpoints: rows.filter((row) => inAgency(caller, row.agency)).map(endpointView) };
    },

    async get(id: string, caller: Caller) {
      return endpointView(await owned(id, caller));
    },

    async update(id: string, patch: EndpointPatch, caller: Caller) {
      await owned(id, caller);
      const agency = patch.agency === undefined ? undefined : agencyFor(caller, patch.agency);
      if (patch.url !== undefined) await assertTarget(patch.url);
      const enabling =
        patch.enabled === undefined
          ? {}
          : patch.enabled
            ? { disabledAt: null, disabledReason: null, failingSince: null }
            : { disabledAt: now(), disabledReason: `paused by ${caller.name}` };
      const [row] = await db
        .update(webhookEndpoints)
        .set({
          ...(patch.url !== undefined ? { url: patch.url } : {}),
          ...(patch.events !== undefined ? { events: [...new Set(patch.events)] } : {}),
          ...(agency !== undefined ? { agency } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.alertEmail !== undefined ? { alertEmail: patch.alertEmail } : {}),
          ...enabling,
          updatedAt: now(),
        })
        .where(eq(webhookEndpoints.id, id))
        .returning();
      if (!row) throw notFound(`Webhook endpoint ${id}`);
      return endpointView(row);
    },

    async remove(id: string, caller: Caller) {
      await owned(id, caller);
      // Its deliveries go with it; jobs left in the queue find nothing and stop.
      await db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
      return { id, deleted: true };
    },

    /** « Send a test event »: one delivery to this endpoint, whatever it subscribes to. */
    async test(id: string, caller: Caller) {
      const endpoint = await owned(id, caller);
      const deliveryId = newDeliveryId();
      const payload = {
        type: TEST_EVENT,
        timestamp: now().toISOString(),
        data: { endpointId: endpoint.id, requestedBy: 'admin' },
      };
      const [row] = await db
        .insert(webhookDeliveries)
        .values({ id: deliveryId, endpointId: id, type: TEST_EVENT, payload, status: 'pending', createdAt: now() })
        .returning();
      if (!row) throw new Error('test delivery not stored');
      // Redis away: the stored delivery is queued by the workers' sweep once it is back.
      await deps.queue.enqueue([deliveryId]);
      return deliveryView(row);
    },

    async deliveries(id: string, query: DeliveriesQuery, caller: Caller) {
      await owned(id, caller);
      const after = query.cursor ? decodeCursor(query.cursor) : undefined;
      const conditions: (SQL | undefined)[] = [
        eq(webhookDeliveries.endpointId, id),
        query.status ? eq(webhookDeliveries.status, query.status) : undefined,
        after
          ? or(
              lt(webhookDeliveries.createdAt, after.at),
              and(eq(webhookDeliveries.createdAt, after.at), lt(webhookDeliveries.id, after.id)),
            )
          : undefined,
      ];
      const rows = await db
        .select()
        .from(webhookDeliveries)
        .where(and(...conditions))
        .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
        .limit(query.limit + 1);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        deliveries: page.map(deliveryView),
        next: rows.length > query.limit && last ? encodeCursor(last) : null,
      };
    },
  };
}
export type Webhooks = ReturnType<typeof createWebhooks>;
