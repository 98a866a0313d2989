import { and, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { reminderPolicy, type AgencySettingsService } from '../agencies/settings.js';
import type { Db } from '../db/client.js';
import { interventions } from '../db/schema.js';
import { invalid, notFound } from '../errors.js';
import { recordEvent } from '../history/record.js';
import { assertProjectScope } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import { actorOf, type Messages } from '../messages/service.js';
import { loadProject } from '../projects/repository.js';
import type { Project } from '../projects/schema.js';
import type { InterventionInput } from './schema.js';
import { planReminders, REMINDERS } from './reminders.js';

type Row = typeof interventions.$inferSelect;

export interface InterventionsDeps {
  db: Db;
  messages: Messages;
  settings: AgencySettingsService;
  now: () => Date;
}

const PENDING = new Set(['draft', 'scheduled']);
const paris = (date: Date) => DateTime.fromJSDate(date, { zone: 'Europe/Paris' }).toISO() ?? date.toISOString();

function view(row: Row, reminders: unknown[]) {
  return {
    id: row.id,
    projectRef: row.projectRef,
    siteRef: row.siteRef,
    kind: row.kind,
    windowStart: paris(row.windowStart),
    windowEnd: paris(row.windowEnd),
    contactId: row.contactId,
    ...(row.notes ? { notes: row.notes } : {}),
    status: row.status,
    reminders,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function createInterventions(deps: InterventionsDeps) {
  const { db, messages, now } = deps;

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

  /** Brings the visit's notice and reminder in line with its current window (or cancellation). */
  async function syncReminders(project: Project, row: Row, caller: Caller) {
    const actor = actorOf(caller, project);
    const owned = await messages.internal.find({ projectRef: project.ref, interventionId: row.id });
    const site = project.sites.find((s) => s.ref === row.siteRef);
    const contact = project.contacts.find((c) => c.id === row.contactId);
    const settings = await deps.settings.get(project.agency);
    const plans = site && contact ? planReminders(row, site, contact, now(), reminderPolicy(settings)) : undefined;
    const summary: unknown[] = [];
    for (const { template } of REMINDERS) {
      const current = owned.filter((m) => m.templateKey === template && m.status !== 'cancelled').at(-1);
      if (current && !PENDING.has(current.status)) {
        // Already gone out: what the client received stays as it was.
        summary.push({ template, messageId: current.id, status: current.status, sendAt: current.sendAt.toISOString() });
        continue;
      }
      const plan = plans?.[template];
      if (row.status === 'cancelled' || !plan || plan.skip) {
        if (current)
          await messages.internal.cancel(
            current.id,
            actor,
            row.status === 'cancelled' ? 'visit cancelled' : 'no longer possible',
          );
        if (row.status !== 'cancelled' && plan?.skip) {
          await recordEvent(db, {
            projectRef: project.ref,
            type: 'reminder.skipped',
            actor,
            data: { interventionId: row.id, template, reason: plan.reason, message: plan.message },
          });
          summary.push({ template, skipped: plan.reason, message: plan.message });
        }
        continue;
      }
      const data = {
        siteRef: row.siteRef,
        kind: row.kind,
        windowStart: paris(row.windowStart),
        windowEnd: paris(row.windowEnd),
      };
      const message = current
        ? await messages.internal.update(current.id, project, { sendAt: plan.sendAt, data }, actor)
        : await messages.create(
            {
              projectRef: project.ref,
              template,
              recipients: { to: [{ contactId: row.contactId }] },
              data,
              sendAt: plan.sendAt,
            },
            caller,
            { origin: 'reminder', interventionId: row.id },
          );
      summary.push({
        template,
        messageId: message.id,
        status: message.status,
        sendAt: new Date(message.sendAt).toISOString(),
      });
    }
    return summary;
  }

  return {
    /** Book or move a visit; its reminders follow. */
    async put(ref: string, id: string, input: InterventionInput, caller: Caller) {
      const project = await scoped(ref, caller);
      const valid = validate(project, input);
      // A visit whose notice cannot be written must not be half-booked: render them first.
      const data = {
        siteRef: input.siteRef,
        kind: input.kind,
        windowStart: paris(valid.windowStart),
        windowEnd: paris(valid.windowEnd),
      };
      for (const { template } of REMINDERS) await messages.checkRender(project, template, data);
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
      const { row, created } = await db.transaction(async (tx) => {
        const [before] = await tx
          .select()
          .from(interventions)
          .where(and(eq(interventions.projectRef, ref), eq(interventions.id, id)))
          .for('update');
        const [saved] = await tx
          .insert(interventions)
          .values({ projectRef: ref, id, ...values })
          .onConflictDoUpdate({
            target: [interventions.projectRef, interventions.id],
            set: { ...values, updatedAt: new Date() },
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
          actor: actorOf(caller, project),
          data: {
            interventionId: id,
            siteRef: saved.siteRef,
            kind: saved.kind,
            windowStart: paris(saved.windowStart),
            windowEnd: paris(saved.windowEnd),
            ...(moved && before ? { previousWindowStart: paris(before.windowStart) } : {}),
          },
        });
        return { row: saved, created: !before };
      });
      return { created, intervention: view(row, await syncReminders(project, row, caller)) };
    },

    /** Cancel a visit: its pending notice and reminder are cancelled; sent ones stay in the history. */
    async cancel(ref: string, id: string, caller: Caller) {
      const project = await scoped(ref, caller);
      const [row] = await db
        .update(interventions)
        .set({ status: 'cancelled', cancelledAt: now(), updatedAt: new Date() })
        .where(and(eq(interventions.projectRef, ref), eq(interventions.id, id), eq(interventions.status, 'booked')))
        .returning();
      const current =
        row ??
        (
          await db
            .select()
            .from(interventions)
            .where(and(eq(interventions.projectRef, ref), eq(interventions.id, id)))
        )[0];
      if (!current) throw notFound(`Intervention ${id}`);
      if (row) {
        await recordEvent(db, {
          projectRef: ref,
          type: 'intervention.cancelled',
          actor: actorOf(caller, project),
          data: { interventionId: id, siteRef: row.siteRef, kind: row.kind },
        });
      }
      return view(current, await syncReminders(project, current, caller));
    },
  };
}
export type Interventions = ReturnType<typeof createInterventions>;
