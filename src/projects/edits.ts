import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, DbOrTx } from '../db/client.js';
import { contacts, projects, sites } from '../db/schema.js';
import { AppError, invalid, notFound } from '../errors.js';
import { recordEvent } from '../history/record.js';
import { assertProjectScope } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import { stableJson } from '../lib/stable-json.js';
import { civility, email, mobile, postalCode, ref, text } from './fields.js';
import { loadProject } from './repository.js';
import type { Contact, Project, Site } from './schema.js';
import { searchTextOf } from './search-text.js';
import { stripMeta } from './service.js';

/**
 * One contact or one site of an order corrected by hand (an address that bounced, a site that
 * moved), for the people who follow the order; the order tools still replace the whole order
 * with PUT. A field left out is kept; null clears an optional one.
 */

export const contactPatchSchema = z
  .strictObject({
    civility: civility.nullable().optional(),
    firstName: text(80).nullable().optional(),
    lastName: text(80).optional(),
    email: email.nullable().optional(),
    mobile: mobile.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one field to change');
export type ContactPatch = z.output<typeof contactPatchSchema>;

export const sitePatchSchema = z
  .strictObject({
    name: text(120).optional(),
    address: text(200).optional(),
    postalCode: postalCode.optional(),
    city: text(100).optional(),
    contactId: ref.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one field to change');
export type SitePatch = z.output<typeof sitePatchSchema>;

const hashOf = (value: unknown) => createHash('sha256').update(stableJson(value)).digest('hex');

/** Optional fields: null removes them, undefined keeps them. */
function merge<T extends object>(before: T, patch: Record<string, unknown>): T {
  const next = { ...before } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next as T;
}

export function createProjectEdits({ db, now }: { db: Db; now: () => Date }) {
  /** Locks the order, checks the caller's scope and the version it read (`If-Match`), then writes. */
  async function edit(
    ref: string,
    caller: Caller,
    expectedVersion: number | undefined,
    write: (
      tx: DbOrTx,
      project: Project,
    ) => Promise<{ contacts: Contact[]; sites: Site[]; section: string; id: string }>,
  ): Promise<Project> {
    await db.transaction(async (tx) => {
      const project = await loadProject(tx, ref, true);
      if (!project) throw notFound(`Project ${ref}`);
      assertProjectScope(caller, project);
      if (expectedVersion !== undefined && expectedVersion !== project.version) {
        throw new AppError(
          'stale_version',
          412,
          `Order ${ref} changed since it was read (version ${expectedVersion}, now ${project.version}): read it again before changing it`,
          { details: { version: project.version } },
        );
      }
      const next = await write(tx, project);
      const input = { ...stripMeta(project), contacts: next.contacts, sites: next.sites };
      await tx
        .update(projects)
        .set({
          contentHash: hashOf(input),
          searchText: searchTextOf(input),
          version: sql`${projects.version} + 1`,
          updatedAt: now(),
        })
        .where(eq(projects.ref, ref));
      // Ids only: what changed stays in the order, not in its history.
      await recordEvent(tx, {
        projectRef: ref,
        type: 'project.updated',
        actor: { name: caller.name },
        data: { changes: [next.section], [next.section === 'contacts' ? 'contactId' : 'siteRef']: next.id },
        at: now(),
      });
    });
    const project = await loadProject(db, ref);
    if (!project) throw notFound(`Project ${ref}`);
    return project;
  }

  return {
    patchContact: (ref: string, id: string, patch: ContactPatch, caller: Caller, version?: number) =>
      edit(ref, caller, version, async (tx, project) => {
        const before = project.contacts.find((c) => c.id === id);
        if (!before) throw notFound(`Contact ${id} of order ${ref}`);
        const after = merge(before, patch);
        if (!after.email && !after.mobile) {
          throw invalid([{ path: 'body.email', message: 'a contact keeps an email or a mobile number' }]);
        }
        await tx
          .update(contacts)
          .set({
            civility: after.civility ?? null,
            firstName: after.firstName ?? null,
            lastName: after.lastName,
            email: after.email ?? null,
            mobile: after.mobile ?? null,
          })
          .where(and(eq(contacts.projectRef, ref), eq(contacts.id, id)));
        return {
          contacts: project.contacts.map((c) => (c.id === id ? after : c)),
          sites: project.sites,
          section: 'contacts',
          id,
        };
      }),

    patchSite: (ref: string, siteRef: string, patch: SitePatch, caller: Caller, version?: number) =>
      edit(ref, caller, version, async (tx, project) => {
        const before = project.sites.find((s) => s.ref === siteRef);
        if (!before) throw notFound(`Site ${siteRef} of order ${ref}`);
        if (patch.contactId && !project.contacts.some((c) => c.id === patch.contactId)) {
          throw invalid([{ path: 'body.contactId', message: `unknown contact "${patch.contactId}" in order ${ref}` }]);
        }
        const after = merge(before, patch);
        await tx
          .update(sites)
          .set({
            name: after.name,
            address: after.address,
            postalCode: after.postalCode,
            city: after.city,
            contactId: after.contactId ?? null,
          })
          .where(and(eq(sites.projectRef, ref), eq(sites.ref, siteRef)));
        return {
          contacts: project.contacts,
          sites: project.sites.map((s) => (s.ref === siteRef ? after : s)),
          section: 'sites',
          id: siteRef,
        };
      }),
  };
}
export type ProjectEdits = ReturnType<typeof createProjectEdits>;
