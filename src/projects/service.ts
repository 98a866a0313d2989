import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db, DbOrTx } from '../db/client.js';
import { projects } from '../db/schema.js';
import { type FieldIssue, invalid, notFound } from '../errors.js';
import { type Actor, recordEvent } from '../history/record.js';
import type { Caller } from '../keys/service.js';
import { assertProjectScope } from '../keys/scope.js';
import { stableJson } from '../lib/stable-json.js';
import { searchTextOf } from './search-text.js';
import {
  loadProject,
  markColumns,
  projectColumns,
  replaceContacts,
  replaceMilestones,
  replaceSites,
} from './repository.js';
import type { MilestoneCode, Milestones, MilestonesPatch, Project, ProjectInput, Site } from './schema.js';

const hashOf = (value: unknown) => createHash('sha256').update(stableJson(value)).digest('hex');

const SECTIONS = [
  'orderNumber',
  'trackingNumber',
  'label',
  'agency',
  'receivedAt',
  'offers',
  'rac',
  'client',
  'contacts',
  'sites',
  'milestones',
] as const;

function changedSections(before: Project, after: ProjectInput): string[] {
  return SECTIONS.filter((key) => stableJson(before[key]) !== stableJson(after[key]));
}

const actorOf = (caller: Caller): Actor => ({ name: caller.name });

/**
 * The milestones given an actual date by a change: what milestone automation (a follow-up of
 * the committed event, src/automation) acts on.
 */
function milestonesSet(before: Milestones | undefined, after: Milestones): MilestoneCode[] {
  return (Object.keys(after) as MilestoneCode[]).filter((code) => !before?.[code]?.actual && after[code]?.actual);
}

/** The milestones whose actual date a change removed (a meeting recorded by mistake, say). */
function milestonesCleared(before: Milestones | undefined, after: Milestones): MilestoneCode[] {
  return (Object.keys(before ?? {}) as MilestoneCode[]).filter(
    (code) => before?.[code]?.actual && !after[code]?.actual,
  );
}

/** Actual dates are what happened: none after today (Europe/Paris). `prefix`: where they sit in the body. */
function futureActuals(milestones: Milestones | MilestonesPatch, today: string, prefix: string): FieldIssue[] {
  return Object.entries(milestones).flatMap(([code, dates]) =>
    dates?.actual && dates.actual > today
      ? [
          {
            path: `${prefix}${code}.actual`,
            message: `${dates.actual} is after today (${today}): an actual date is a date that has passed`,
          },
        ]
      : [],
  );
}

export interface ProjectsDeps {
  db: Db;
  now: () => Date;
}

export function createProjects({ db, now }: ProjectsDeps) {
  const today = () => DateTime.fromJSDate(now(), { zone: 'Europe/Paris' }).toISODate() ?? '';

  async function get(ref: string, caller: Caller): Promise<Project> {
    const project = await loadProject(db, ref);
    if (!project) throw notFound(`Project ${ref}`);
    assertProjectScope(caller, project);
    return project;
  }

  /** Create or replace an order; an identical replay writes nothing. */
  async function put(
    ref: string,
    input: ProjectInput,
    caller: Caller,
  ): Promise<{ created: boolean; project: Project }> {
    const issues: FieldIssue[] = [];
    if (input.orderNumber !== ref) {
      issues.push({
        path: 'body.orderNumber',
        message: `${input.orderNumber} is not the order of this address (${ref}): an order number never changes`,
      });
    }
    issues.push(...futureActuals(input.milestones, today(), 'body.milestones.'));
    if (issues.length > 0) throw invalid(issues);
    assertProjectScope(caller, input);
    const contentHash = hashOf(input);
    const outcome = await db.transaction(async (tx) => {
      let existing = await loadProject(tx, ref, true);
      if (!existing) {
        const inserted = await tx
          .insert(projects)
          .values({ ref, ...projectColumns(input, contentHash), createdAt: now(), updatedAt: now() })
          .onConflictDoNothing()
          .returning({ ref: projects.ref });
        if (inserted.length > 0) {
          await replaceContacts(tx, ref, input.contacts);
          await replaceSites(tx, ref, input.sites);
          await replaceMilestones(tx, ref, input.milestones);
          await recordEvent(tx, {
            projectRef: ref,
            type: 'project.created',
            actor: actorOf(caller),
            data: {
              sites: input.sites.length,
              contacts: input.contacts.length,
              milestonesSet: milestonesSet(undefined, input.milestones),
            },
            at: now(),
          });
          return { created: true, changed: true, before: undefined };
        }
        // Another request created it between our read and our insert: continue as an update.
        existing = await loadProject(tx, ref, true);
        if (!existing) throw notFound(`Project ${ref}`);
      }
      assertProjectScope(caller, existing);
      const [stored] = await tx.select({ hash: projects.contentHash }).from(projects).where(eq(projects.ref, ref));
      if (stored?.hash === contentHash) return { created: false, changed: false, before: existing };
      const changes = changedSections(existing, input);
      await tx
        .update(projects)
        .set({ ...projectColumns(input, contentHash), version: sql`${projects.version} + 1`, updatedAt: now() })
        .where(eq(projects.ref, ref));
      if (changes.includes('contacts') || changes.includes('sites')) {
        // Sites reference contacts, so both are rewritten together when either changes.
        await replaceContacts(tx, ref, input.contacts);
        await replaceSites(tx, ref, input.sites);
      }
      if (changes.includes('milestones')) await replaceMilestones(tx, ref, input.milestones);
      await recordEvent(tx, {
        projectRef: ref,
        type: 'project.updated',
        actor: actorOf(caller),
        data: {
          changes,
          milestonesSet: milestonesSet(existing.milestones, input.milestones),
          milestonesCleared: milestonesCleared(existing.milestones, input.milestones),
        },
        at: now(),
      });
      return { created: false, changed: true, before: existing };
    });
    // An identical replay (the common case for order tools) returns what it already read.
    const project = outcome.changed || !outcome.before ? await loadProject(db, ref) : outcome.before;
    if (!project) throw notFound(`Project ${ref}`);
    return { created: outcome.created, project };
  }

  async function patchMilestones(ref: string, patch: MilestonesPatch, caller: Caller): Promise<Project> {
    const future = futureActuals(patch, today(), 'body.');
    if (future.length > 0) throw invalid(future);
    await db.transaction(async (tx) => {
      const project = await loadProject(tx, ref, true);
      if (!project) throw notFound(`Project ${ref}`);
      assertProjectScope(caller, project);
      const next: Milestones = { ...project.milestones };
      const changes: Record<string, unknown> = {};
      for (const [code, dates] of Object.entries(patch) as [
        MilestoneCode,
        NonNullable<MilestonesPatch[MilestoneCode]>,
      ][]) {
        const merged = { ...next[code] };
        for (const field of ['planned', 'actual'] as const) {
          if (dates[field] === undefined || dates[field] === merged[field]) continue;
          if (dates[field] === null) delete merged[field];
          else merged[field] = dates[field];
          changes[`${code}.${field}`] = dates[field];
        }
        next[code] = merged;
      }
      if (Object.keys(changes).length === 0) return;
      await replaceMilestones(tx, ref, next);
      await tx
        .update(projects)
        .set({
          contentHash: hashOf({ ...stripMeta(project), milestones: next }),
          ...markColumns({ receivedAt: project.receivedAt, milestones: next }),
          version: sql`${projects.version} + 1`,
          updatedAt: now(),
        })
        .where(eq(projects.ref, ref));
      await recordEvent(tx, {
        projectRef: ref,
        type: 'milestones.updated',
        actor: actorOf(caller),
        data: {
          changes,
          milestonesSet: milestonesSet(project.milestones, next),
          milestonesCleared: milestonesCleared(project.milestones, next),
        },
        at: now(),
      });
    });
    return get(ref, caller);
  }

  /** Replaces the site list (already validated against the project's contacts). */
  async function replaceSiteList(ref: string, list: readonly Site[], caller: Caller): Promise<Project> {
    await db.transaction(async (tx) => {
      const project = await loadProject(tx, ref, true);
      if (!project) throw notFound(`Project ${ref}`);
      assertProjectScope(caller, project);
      await replaceSites(tx, ref, list);
      const input: ProjectInput = { ...stripMeta(project), sites: [...list] };
      await tx
        .update(projects)
        .set({
          contentHash: hashOf(input),
          searchText: searchTextOf(input),
          version: sql`${projects.version} + 1`,
          updatedAt: now(),
        })
        .where(eq(projects.ref, ref));
      await recordEvent(tx, {
        projectRef: ref,
        type: 'sites.imported',
        actor: actorOf(caller),
        data: { before: project.sites.length, after: list.length },
        at: now(),
      });
    });
    return get(ref, caller);
  }

  return { get, put, patchMilestones, replaceSiteList };
}

/**
 * Gives a milestone its actual date from what Jalon itself saw (the client answered the
 * survey), inside the caller's transaction, keeping the order's hash and version in step.
 */
export async function setMilestoneActual(tx: DbOrTx, project: Project, code: MilestoneCode, day: string, at: Date) {
  const next: Milestones = { ...project.milestones, [code]: { ...project.milestones[code], actual: day } };
  await replaceMilestones(tx, project.ref, next);
  await tx
    .update(projects)
    .set({
      contentHash: hashOf({ ...stripMeta(project), milestones: next }),
      version: sql`${projects.version} + 1`,
      updatedAt: at,
    })
    .where(eq(projects.ref, project.ref));
}

/** The order as an integration sent it, without Jalon's bookkeeping. */
export function stripMeta(project: Project): ProjectInput {
  const { ref: _ref, version: _version, createdAt: _c, updatedAt: _u, ...input } = project;
  return input;
}

export type Projects = ReturnType<typeof createProjects>;
