import { and, asc, eq, isNotNull } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { AgencySettingsService } from '../agencies/settings.js';
import type { Db } from '../db/client.js';
import { interventions, messages as messageRows } from '../db/schema.js';
import { invalid, notFound } from '../errors.js';
import { recordEvent } from '../history/record.js';
import { assertProjectScope } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import type { MessageRow } from '../messages/moves.js';
import { actorOf, type Messages } from '../messages/service.js';
import { loadProject } from '../projects/repository.js';
import type { Project } from '../projects/schema.js';
import type { InterventionInput } from './schema.js';
import { createReminderSync } from './sync.js';
import { summaryOf } from './visit-writes.js';
import { interventionView, paris } from './view.js';

export interface InterventionsDeps {
  db: Db;
  messages: Messages;
  settings: AgencySettingsService;
  now: () => Date;
}

/**
 * Technician visits. Booking, moving or cancelling one changes the visit, its history event
 * and its notice and reminder in one transaction: a visit is never half-booked, and its
 * messages are queued (or unqueued) once that committed.
 */
export function createInterventions(deps: InterventionsDeps) {
  const { db, messages, now } = deps;
  const reminders = createReminderSync(deps);

  async function scoped(ref: string, caller: Caller): Promise<Project> {
    const project = await loadProject(db, ref);
    if (!project) throw notFound(`Project ${ref}`);
    assertProjectScope(caller, project);
    return project;
  }

  function validate(project: Project, input: InterventionInput) {
    const site = project.sites.find((s) => s.ref === input.siteRef);
    if (!site)
      throw invalid([{ path: 'body.siteRef', message: `unknown site "${input.siteRef}" in order ${project.ref}` }]);
    const contactId = input.contactId ?? site.contactId;
    if (!contactId) {
      throw invalid([
        { path: 'body.contactId', message: `site ${site.ref} has no contact: name the person to inform` },
      ]);
    }
    const contact = project.contacts.find((c) => c.id === contactId);
    if (!contact)
      throw invalid([{ path: 'body.contactId', message: `unknown contact "${contactId}" in order ${project.ref}` }]);
    const windowStart = DateTime.fromISO(input.windowStart, { zone: 'Europe/Paris' });
    const windowEnd = DateTime.fromISO(input.windowEnd, { zone: 'Europe/Paris' });
    if (windowEnd <= windowStart) throw invalid([{ path: 'body.windowEnd', message: 'must be after windowStart' }]);
    if (windowStart.toMillis() <= now().getTime()) {
      throw invalid([{ path: 'body.windowStart', message: 'the visit must start in the future' }]);
    }
    return { site, contact, windowStart: windowStart.toJSDate(), windowEnd: windowEnd.toJSDate() };
  }

  const mirrorAll = async (rows: { row: MessageRow; moved: boolean }[]) => {
    for (const { row, moved } of rows) await messages.internal.mirror(row, { moved });
  };

  const where = (ref: string, id: string) => and(eq(interventions.projectRef, ref), eq(interventions.id, id));

  /** The visits of an order (or the one named), each with the messages it owns. */
  async function read(ref: string, caller: Caller, id?: string) {
    await scoped(ref, caller);
    const [visits, owned] = await Promise.all([
      db
        .select()
        .from(interventions)
        .where(id ? where(ref, id) : eq(interventions.projectRef, ref))
        .orderBy(asc(interventions.windowStart), asc(interventions.id)),
      db
        .select()
        .from(messageRows)
        .where(
          and(
            eq(messageRows.projectRef, ref),
            id ? eq(messageRows.interventionId, id) : isNotNull(messageRows.interventionId),
          ),
        )
        .orderBy(asc(messageRows.createdAt)),
    ]);
    return visits.map((visit) =>
      interventionView(visit, owned.filter((m) => m.interventionId === visit.id).map(summaryOf)),
    );
  }

  return {
    /** The visits of an order, earliest window first. */
    list: async (ref: string, caller: Caller) => ({ items: await read(ref, caller) }),

    async get(ref: string, id: string, caller: Caller) {
      const [visit] = await read(ref, caller, id);
      if (!visit) throw notFound(`Intervention ${id}`);
      return visit;
    },

    /** Book or move a visit; its reminders follow. */
    async put(ref: string, id: string, input: InterventionInput, caller: Caller) {
      const project = await scoped(ref, caller);
      const valid = validate(project, input);
      const values = {
        siteRef: input.siteRef,
        kind: input.kind,
        windowStart: valid.windowStart,
        windowEnd: valid.windowEnd,
        contactId: valid.contact.id,
        notes: input.notes ?? null,
        status: 'booked' as const,
        cancelledAt: null,
      };
      const refused = await reminders.check(project, values);
      const actor = actorOf(caller, project);
      const outcome = await db.transaction(async (tx) => {
        const [before] = await tx.select().from(interventions).where(where(ref, id)).for('update');
        const [saved] = await tx
          .insert(interventions)
          .values({ projectRef: ref, id, ...values, createdAt: now(), updatedAt: now() })
          .onConflictDoUpdate({
            target: [interventions.projectRef, interventions.id],
            set: { ...values, updatedAt: now() },
          })
          .returning();
        if (!saved) throw notFound(`Intervention ${id}`);
        const moved =
          before &&
          (before.windowStart.getTime() !== saved.windowStart.getTime() ||
            before.windowEnd.getTime() !== saved.windowEnd.getTime());
        const type =
          !before || before.status === 'cancelled'
            ? 'intervention.booked'
            : moved
              ? 'intervention.moved'
              : 'intervention.updated';
        await recordEvent(tx, {
          projectRef: ref,
          type,
          actor,
          data: {
            interventionId: id,
            siteRef: saved.siteRef,
            kind: saved.kind,
            windowStart: paris(saved.windowStart),
            windowEnd: paris(saved.windowEnd),
            ...(moved && before ? { previousWindowStart: paris(before.windowStart) } : {}),
          },
          at: now(),
        });
        const synced = await reminders.sync(tx, project, saved, actor, refused, before);
        return { row: saved, created: !before, ...synced };
      });
      await mirrorAll(outcome.toMirror);
      return { created: outcome.created, intervention: interventionView(outcome.row, outcome.summary) };
    },

    /** Cancel a visit: its pending notice and reminder are cancelled; sent ones stay in the history. */
    async cancel(ref: string, id: string, caller: Caller) {
      const project = await scoped(ref, caller);
      const actor = actorOf(caller, project);
      const outcome = await db.transaction(async (tx) => {
        const [row] = await tx
          .update(interventions)
          .set({ status: 'cancelled', cancelledAt: now(), updatedAt: now() })
          .where(and(where(ref, id), eq(interventions.status, 'booked')))
          .returning();
        const current = row ?? (await tx.select().from(interventions).where(where(ref, id)))[0];
        if (!current) throw notFound(`Intervention ${id}`);
        if (row) {
          await recordEvent(tx, {
            projectRef: ref,
            type: 'intervention.cancelled',
            actor,
            data: { interventionId: id, siteRef: row.siteRef, kind: row.kind },
            at: now(),
          });
        }
        // The visit as it was: the other visits of its day may now need the reminder it carried.
        const before = row ? { ...row, status: 'booked' as const } : undefined;
        return { row: current, ...(await reminders.sync(tx, project, current, actor, {}, before)) };
      });
      await mirrorAll(outcome.toMirror);
      return interventionView(outcome.row, outcome.summary);
    },
  };
}
export type Interventions = ReturnType<typeof createInterventions>;
