import type { DbOrTx } from '../db/client.js';
import type { Recipient } from '../db/schema.js';
import { AppError, type FieldIssue } from '../errors.js';
import {
  activeFor,
  describeSuppression,
  type KnownSuppressions,
  knownKey,
  type SuppressionRow,
} from '../suppressions/store.js';

/** A recipient of a message who may not be written to, with where it sits in the request. */
export interface Blocked {
  path: string;
  recipient: Recipient;
  suppression: SuppressionRow;
}

/**
 * The suppressed recipients among a message's To and Cc. `known`: what a statement read with
 * the order or the claim (../suppressions/store.ts); looked up only if it does not cover them all.
 */
export async function blockedRecipients(
  db: DbOrTx,
  channel: 'email' | 'sms',
  recipients: { to: Recipient[]; cc: Recipient[] },
  now: Date,
  known?: KnownSuppressions,
): Promise<Blocked[]> {
  const all = [
    ...recipients.to.map((r, i) => ({ path: `body.recipients.to.${i}`, recipient: r })),
    ...recipients.cc.map((r, i) => ({ path: `body.recipients.cc.${i}`, recipient: r })),
  ];
  const keyOf = (address: string) => knownKey(channel, address);
  const answered = known && all.every((entry) => known.covered.has(keyOf(entry.recipient.address)));
  const found = answered
    ? known.found
    : new Map(
        [
          ...(
            await activeFor(
              db,
              channel,
              all.map((entry) => entry.recipient.address),
              now,
            )
          ).values(),
        ].map((row) => [keyOf(row.address), row]),
      );
  return all.flatMap((entry) => {
    const suppression = found.get(keyOf(entry.recipient.address));
    return suppression ? [{ ...entry, suppression }] : [];
  });
}

/**
 * The 422 of a message to a suppressed recipient. A contact is named by its id, so the error
 * carries no address or number the caller did not send itself.
 */
export function suppressedError(blocked: Blocked[], named: (r: Recipient) => string): AppError {
  const details: (FieldIssue & { suppressionId: string; reason: string })[] = blocked.map((b) => ({
    path: b.path,
    message: `${named(b.recipient)} is ${describeSuppression(b.suppression)}; lift the suppression or correct the address`,
    suppressionId: b.suppression.id,
    reason: b.suppression.reason,
  }));
  const [first] = details;
  return new AppError('recipient_suppressed', 422, `${first?.path}: ${first?.message}`, { details });
}
