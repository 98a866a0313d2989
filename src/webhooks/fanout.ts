import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { projects, webhookDeliveries, webhookEndpoints } from '../db/schema.js';
import type { Subscriber } from '../history/followups.js';
import { SOURCE_EVENTS, subscribes, toWebhookEvent } from './events.js';
import type { WebhookQueue } from './queue.js';
import { newDeliveryId } from './views.js';

/**
 * The follow-up that turns committed history events into webhook deliveries: one row per
 * subscribed endpoint whose agency scope covers the order, then one job each. Delivered twice,
 * an event finds its rows (one per endpoint and event) and only queues them again, which
 * BullMQ ignores for a job it already has.
 */
export function createWebhookFanout({ db, queue, now }: { db: Db; queue: WebhookQueue; now: () => Date }): Subscriber {
  // A promise, not the query builder: awaiting a builder again would run the query again.
  const read = async () =>
    await db
      .select({ id: webhookEndpoints.id, events: webhookEndpoints.events, agency: webhookEndpoints.agency })
      .from(webhookEndpoints)
      .where(isNull(webhookEndpoints.disabledAt));
  // Read once per dispatched batch, after every event of it was committed: an endpoint that
  // existed when an event was recorded is in the list, as when each event read it.
  const perBatch = new WeakMap<object, ReturnType<typeof read>>();
  return {
    name: 'webhooks',
    events: SOURCE_EVENTS,
    async handle(event, batch) {
      const outbound = toWebhookEvent(event);
      if (!outbound) return;
      let reading = perBatch.get(batch);
      if (!reading) {
        reading = read();
        // A failed read is not kept: the event is retried, and the next one reads again.
        reading.catch(() => perBatch.delete(batch));
        perBatch.set(batch, reading);
      }
      const endpoints = await reading;
      const subscribed = endpoints.filter((endpoint) => subscribes(endpoint.events, outbound.type));
      if (subscribed.length === 0) return;
      const [project] = await db
        .select({ agency: projects.agency })
        .from(projects)
        .where(eq(projects.ref, event.projectRef));
      // An order erased since: nothing left that a receiver may be told about.
      if (!project) return;
      const targets = subscribed.filter((endpoint) => endpoint.agency === '*' || endpoint.agency === project.agency);
      if (targets.length === 0) return;
      await db
        .insert(webhookDeliveries)
        .values(
          targets.map((endpoint) => ({
            id: newDeliveryId(),
            endpointId: endpoint.id,
            eventId: event.id,
            type: outbound.type,
            payload: { ...outbound },
            status: 'pending' as const,
            createdAt: now(),
          })),
        )
        .onConflictDoNothing({ target: [webhookDeliveries.endpointId, webhookDeliveries.eventId] });
      const pending = await db
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(
          and(
            inArray(
              webhookDeliveries.endpointId,
              targets.map((endpoint) => endpoint.id),
            ),
            eq(webhookDeliveries.eventId, event.id),
            eq(webhookDeliveries.status, 'pending'),
          ),
        );
      // Redis away: the follow-up is retried later (the rows are already there).
      if (!(await queue.enqueue(pending.map((row) => row.id)))) {
        throw new Error('the webhook queue could not take the deliveries');
      }
    },
  };
}
