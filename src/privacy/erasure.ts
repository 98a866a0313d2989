import { and, eq, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import { contacts, historyEvents, interventions, messages, type Recipient } from '../db/schema.js';
import { notFound } from '../errors.js';
import { recordEvent } from '../history/record.js';
import { assertProjectScope } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import { loadProject } from '../projects/repository.js';
import { eraseContactFeedback } from './feedback.js';
import { ERASED, personalTokens, scrubHtml, scrubJson, scrubText, type Tokens } from './scrub.js';

/**
 * Erasure of one contact of one order, on request (GDPR art. 17). Their details go from the
 * order, and every trace of them from the messages (recipients, subject, bodies, blocks), the
 * history and the visits' notes. Messages, events and their statuses stay, so the counts do.
 */

export interface ErasureResult {
  projectRef: string;
  contactId: string;
  erasedAt: string;
  alreadyErased: boolean;
  messages: number;
  events: number;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function scrubRecipients(list: Recipient[], contactId: string, tokens: Tokens, addresses: Set<string>): Recipient[] {
  return list.map((r) =>
    r.contactId === contactId || addresses.has(r.address.toLowerCase())
      ? { address: ERASED, ...(r.contactId ? { contactId: r.contactId } : {}) }
      : { ...r, ...(r.name ? { name: scrubText(r.name, tokens) } : {}) },
  );
}

async function scrubMessages(tx: Tx, ref: string, contactId: string, tokens: Tokens, addresses: Set<string>) {
  let changed = 0;
  for (const row of await tx.select().from(messages).where(eq(messages.projectRef, ref))) {
    const text = (value: string | null) => (value === null ? null : scrubText(value, tokens));
    const next = {
      to: scrubRecipients(row.to, contactId, tokens, addresses),
      cc: scrubRecipients(row.cc, contactId, tokens, addresses),
      subject: text(row.subject),
      html: row.html === null ? null : scrubHtml(row.html, tokens),
      text: text(row.text),
      smsBody: text(row.smsBody),
      blocks: scrubJson(row.blocks, tokens),
      data: scrubJson(row.data, tokens),
      lastError: text(row.lastError),
      attachments: row.attachments?.map((file) => ({ ...file, content: scrubText(file.content, tokens) })) ?? null,
      calendar: row.calendar ? { ...row.calendar, content: scrubText(row.calendar.content, tokens) } : null,
    };
    if ((Object.keys(next) as (keyof typeof next)[]).every((key) => same(next[key], row[key]))) continue;
    await tx.update(messages).set(next).where(eq(messages.id, row.id));
    changed++;
  }
  return changed;
}

async function scrubHistory(tx: Tx, ref: string, tokens: Tokens) {
  let changed = 0;
  const rows = await tx
    .select({ id: historyEvents.id, data: historyEvents.data })
    .from(historyEvents)
    .where(eq(historyEvents.projectRef, ref));
  for (const row of rows) {
    const data = scrubJson(row.data, tokens);
    if (same(data, row.data)) continue;
    await tx.update(historyEvents).set({ data }).where(eq(historyEvents.id, row.id));
    changed++;
  }
  return changed;
}

export function createErasure({ db, now }: { db: Db; now: () => Date }) {
  return {
    async eraseContact(ref: string, contactId: string, caller: Caller): Promise<ErasureResult> {
      return db.transaction(async (tx) => {
        const project = await loadProject(tx, ref, true);
        if (!project) throw notFound(`Project ${ref}`);
        assertProjectScope(caller, project);
        const where = and(eq(contacts.projectRef, ref), eq(contacts.id, contactId));
        const [contact] = await tx.select().from(contacts).where(where);
        if (!contact) throw notFound(`Contact ${contactId} of project ${ref}`);
        const result = { projectRef: ref, contactId, messages: 0, events: 0 };
        if (contact.erasedAt) return { ...result, erasedAt: contact.erasedAt.toISOString(), alreadyErased: true };

        const tokens = personalTokens(contact);
        const addresses = new Set(
          [contact.email, contact.mobile].filter((v): v is string => Boolean(v)).map((v) => v.toLowerCase()),
        );
        result.messages = await scrubMessages(tx, ref, contactId, tokens, addresses);
        result.events = await scrubHistory(tx, ref, tokens);
        await eraseContactFeedback(tx, ref, contactId);
        for (const visit of await tx.select().from(interventions).where(eq(interventions.projectRef, ref))) {
          if (visit.notes && scrubText(visit.notes, tokens) !== visit.notes) {
            await tx
              .update(interventions)
              .set({ notes: scrubText(visit.notes, tokens) })
              .where(and(eq(interventions.projectRef, ref), eq(interventions.id, visit.id)));
          }
        }
        // Answers kept for Idempotency-Key replays (48 hours) may quote the contact.
        for (const token of tokens.strong) {
          await tx.execute(sql`delete from idempotency_keys where strpos(response::text, ${token}) > 0`);
        }
        const erasedAt = now();
        await tx
          .update(contacts)
          .set({ civility: null, firstName: null, lastName: ERASED, email: null, mobile: null, erasedAt })
          .where(where);
        await recordEvent(tx, {
          projectRef: ref,
          type: 'contact.erased',
          actor: { name: caller.name },
          data: {
            contactId,
            messages: result.messages,
            events: result.events,
          },
          at: erasedAt,
        });
        return { ...result, erasedAt: erasedAt.toISOString(), alreadyErased: false };
      });
    },
  };
}

export type Erasure = ReturnType<typeof createErasure>;
