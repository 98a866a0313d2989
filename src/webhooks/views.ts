import { randomUUID } from 'node:crypto';
import type { webhookDeliveries, webhookEndpoints } from '../db/schema.js';
import { AppError } from '../errors.js';

// How endpoints and deliveries are shown, and the delivery log's cursor.

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** The `webhook-id` of a new delivery. */
export const newDeliveryId = (): string => `msg_${randomUUID().replaceAll('-', '')}`;

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function endpointView(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    agency: row.agency,
    alertEmail: row.alertEmail,
    enabled: row.disabledAt === null,
    disabledAt: iso(row.disabledAt),
    disabledReason: row.disabledReason,
    failingSince: iso(row.failingSince),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    type: row.type,
    eventId: row.eventId,
    status: row.status,
    attempts: row.attempts,
    responseStatus: row.responseStatus,
    lastError: row.lastError,
    durationMs: row.durationMs,
    createdAt: row.createdAt.toISOString(),
    lastAttemptAt: iso(row.lastAttemptAt),
    deliveredAt: iso(row.deliveredAt),
    payload: row.payload,
  };
}

export const encodeCursor = (row: DeliveryRow) =>
  Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(at ?? '');
  if (!id || Number.isNaN(date.getTime())) {
    throw new AppError('invalid_input', 400, 'querystring.cursor: not a cursor this service gave', {
      details: [{ path: 'querystring.cursor', message: 'not a cursor this service gave' }],
    });
  }
  return { at: date, id };
}
