import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { EmailSender } from '../channels/types.js';
import type { Db } from '../db/client.js';
import { digestProblems, messages, problemDigests, suppressions } from '../db/schema.js';
import { recordEvent } from '../history/record.js';
import type { MessageRow } from '../messages/moves.js';
import { fullName, addressName } from '../render/phrasing.js';
import type { Project } from '../projects/schema.js';
import { loadProject } from '../projects/repository.js';
import { type DigestItem, digestMail } from './mail.js';
import { claim, type DigestRow, letGo } from './store.js';

export interface DigestSenderDeps {
  db: Db;
  email: EmailSender;
  now: () => Date;
  brand: { name: string; colour: string };
  publicBaseUrl: string;
  /** A summary taken this long ago and still not sent lost its worker: it may be taken again. */
  stuckAfterMs: number;
}

export type DigestOutcome = 'sent' | 'skipped' | 'done' | { notDue: Date };

const ACTOR = { name: 'problem digest' };
type Problem = typeof digestProblems.$inferSelect;

/** The lines of the mail: one per message and person, the first reason found for them. */
async function itemsOf(db: Db, project: Project, problems: Problem[]): Promise<DigestItem[]> {
  const ids = [...new Set(problems.map((p) => p.messageId))];
  const rows = ids.length ? await db.select().from(messages).where(inArray(messages.id, ids)) : [];
  const byId = new Map<string, MessageRow>(rows.map((row) => [row.id, row]));
  const suppressionIds = problems.flatMap((p) => (p.suppressionId ? [p.suppressionId] : []));
  const entries = suppressionIds.length
    ? await db
        .select({ id: suppressions.id, address: suppressions.address })
        .from(suppressions)
        .where(inArray(suppressions.id, suppressionIds))
    : [];
  const suppressed = new Map(entries.map((entry) => [entry.id, entry.address]));
  const seen = new Set<string>();
  const items: DigestItem[] = [];
  for (const problem of problems) {
    const row = byId.get(problem.messageId);
    if (!row) continue;
    const recipient = problem.contactId
      ? [...row.to, ...row.cc].find((r) => r.contactId === problem.contactId)
      : problem.suppressionId
        ? undefined
        : row.to[0];
    const address = recipient?.address ?? (problem.suppressionId ? suppressed.get(problem.suppressionId) : undefined);
    const key = `${row.id}|${(address ?? problem.contactId ?? '').toLowerCase()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const contact = problem.contactId ? project.contacts.find((c) => c.id === problem.contactId) : undefined;
    const name = contact ? addressName(contact) || fullName(contact) : (recipient?.name ?? null);
    items.push({
      template: row.templateKey,
      reached: row.status === 'sent' || row.status === 'delivered',
      sent: row.sentAt !== null,
      at: row.sentAt ?? row.failedAt ?? problem.at,
      contactName: name,
      address: address ?? null,
      reason: problem.reason,
      remoteStatus: problem.remoteStatus,
    });
  }
  return items;
}

/**
 * Mails one due summary to the order's RAC through Jalon's own email channel, and records it
 * in the order's history. Claimed first, so that two workers (or a job and its repair) never
 * both mail it, and a problem arriving meanwhile waits for the next day's summary. Mailed
 * before it is marked: a worker dying in between mails the RAC twice rather than never.
 */
export function createDigestSender(deps: DigestSenderDeps) {
  const { db } = deps;

  async function finish(digest: DigestRow, status: 'sent' | 'skipped', type: string, data: Record<string, unknown>) {
    await db.transaction(async (tx) => {
      const [done] = await tx
        .update(problemDigests)
        .set({ status, sentAt: deps.now() })
        .where(and(eq(problemDigests.id, digest.id), eq(problemDigests.status, 'sending')))
        .returning({ id: problemDigests.id });
      if (!done) return;
      await recordEvent(tx, {
        projectRef: digest.projectRef,
        type,
        actor: ACTOR,
        data: { digestId: digest.id, day: digest.day, ...data },
        at: deps.now(),
      });
    });
  }

  async function send(digestId: string): Promise<DigestOutcome> {
    const [found] = await db.select().from(problemDigests).where(eq(problemDigests.id, digestId));
    if (!found || found.status === 'sent' || found.status === 'skipped') return 'done';
    if (found.status === 'pending' && found.dueAt.getTime() > deps.now().getTime()) return { notDue: found.dueAt };
    // In another worker's hands: look again once that worker would count as lost.
    const busyUntil = found.claimedAt ? found.claimedAt.getTime() + deps.stuckAfterMs : 0;
    if (found.status === 'sending' && busyUntil > deps.now().getTime()) return { notDue: new Date(busyUntil) };
    const digest = await claim(db, digestId, deps.now(), deps.stuckAfterMs);
    if (!digest) return 'done';
    try {
      const project = await loadProject(db, digest.projectRef);
      const problems = await db
        .select()
        .from(digestProblems)
        .where(eq(digestProblems.digestId, digest.id))
        .orderBy(asc(digestProblems.eventId));
      const messageIds = [...new Set(problems.map((p) => p.messageId))];
      if (!project?.rac.email) {
        await finish(digest, 'skipped', 'problem_digest.skipped', { reason: 'no_rac_address', messageIds });
        return 'skipped';
      }
      const items = await itemsOf(db, project, problems);
      if (items.length === 0) {
        await finish(digest, 'skipped', 'problem_digest.skipped', { reason: 'nothing_left', messageIds });
        return 'skipped';
      }
      const [held] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(messages)
        .where(and(eq(messages.projectRef, project.ref), eq(messages.status, 'draft'), isNotNull(messages.hold)));
      const mail = digestMail({
        racFirstName: project.rac.firstName,
        orderNumber: project.orderNumber,
        company: project.client.company,
        orderUrl: new URL(`/app/projects/${encodeURIComponent(project.ref)}`, deps.publicBaseUrl).toString(),
        brand: deps.brand,
        items,
        held: Number(held?.n ?? 0),
      });
      await deps.email.send({
        id: `problem-digest-${digest.id}`,
        to: [{ address: project.rac.email, name: `${project.rac.firstName} ${project.rac.lastName}` }],
        cc: [],
        replyTo: null,
        ...mail,
      });
      await finish(digest, 'sent', 'problem_digest.sent', { problems: items.length, messageIds });
      return 'sent';
    } catch (error) {
      await letGo(db, digest.id).catch(() => {});
      throw error;
    }
  }

  return { send };
}
export type DigestSender = ReturnType<typeof createDigestSender>;
