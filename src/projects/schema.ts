import { z } from 'zod';
import { civility, email, isoDate, mobile, phone, postalCode, ref, text } from './fields.js';

/** Milestone codes of the deployment (the order receipt itself is the project's receivedAt). */
export const MILESTONE_CODES = [
  'clientContact',
  'rlp',
  'rlpValidated',
  'rle',
  'deploymentEnd',
  'surveySent',
  // Set by Jalon when a client first answers the satisfaction survey.
  'surveyAnswered',
] as const;
export type MilestoneCode = (typeof MILESTONE_CODES)[number];

export const CONTACT_ROLES = ['main', 'site', 'billing', 'technical', 'other'] as const;
export const SITE_ROLES = ['main', 'remote'] as const;

export const offerSchema = z.strictObject({
  code: text(20),
  label: text(100),
  profile: text(50).optional(),
});

export const racSchema = z.strictObject({
  id: ref,
  firstName: text(80),
  lastName: text(80),
  email,
  phone: phone.optional(),
});

export const contactSchema = z.strictObject({
  id: ref,
  civility: civility.optional(),
  firstName: text(80).optional(),
  lastName: text(80),
  email: email.optional(),
  mobile: mobile.optional(),
  role: z.enum(CONTACT_ROLES),
});

export const siteSchema = z.strictObject({
  ref,
  name: text(120),
  address: text(200),
  postalCode,
  city: text(100),
  role: z.enum(SITE_ROLES).default('remote'),
  contactId: ref.optional(),
  access: z
    .strictObject({
      current: text(60).optional(),
      target: text(60).optional(),
    })
    .optional(),
});

export const milestoneDatesSchema = z.strictObject({
  planned: isoDate.optional(),
  actual: isoDate.optional(),
});

export const milestonesSchema = z.partialRecord(z.enum(MILESTONE_CODES), milestoneDatesSchema);

/** Sites must be unique by ref and point at a contact of the same order. */
export function findSiteIssues(
  sites: readonly { ref: string; contactId?: string | undefined }[],
  contactIds: ReadonlySet<string>,
): { index: number; field: 'ref' | 'contactId'; message: string }[] {
  const issues: { index: number; field: 'ref' | 'contactId'; message: string }[] = [];
  const seen = new Map<string, number>();
  sites.forEach((site, index) => {
    const first = seen.get(site.ref);
    if (first !== undefined) {
      issues.push({ index, field: 'ref', message: `duplicate site ref "${site.ref}" (already used by site ${first})` });
    } else {
      seen.set(site.ref, index);
    }
    if (site.contactId !== undefined && !contactIds.has(site.contactId)) {
      issues.push({
        index,
        field: 'contactId',
        message: `unknown contact "${site.contactId}": not in this order's contacts`,
      });
    }
  });
  return issues;
}

export const projectInputSchema = z
  .strictObject({
    orderNumber: text(40),
    trackingNumber: text(40),
    label: text(200),
    agency: z.string().regex(/^[A-Z0-9]{2,10}$/, 'an agency code in capitals, 2 to 10 letters or digits'),
    receivedAt: isoDate,
    offers: z.array(offerSchema).max(50, 'at most 50 offers'),
    rac: racSchema,
    client: z.strictObject({ company: text(200) }),
    contacts: z.array(contactSchema).max(200, 'at most 200 contacts'),
    sites: z.array(siteSchema).max(5000, 'at most 5000 sites'),
    milestones: milestonesSchema.default({}),
  })
  .superRefine((project, ctx) => {
    const ids = new Set<string>();
    project.contacts.forEach((contact, index) => {
      if (ids.has(contact.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['contacts', index, 'id'],
          message: `duplicate contact id "${contact.id}"`,
        });
      }
      ids.add(contact.id);
    });
    for (const issue of findSiteIssues(project.sites, ids)) {
      ctx.addIssue({ code: 'custom', path: ['sites', issue.index, issue.field], message: issue.message });
    }
  });

export type ProjectInput = z.output<typeof projectInputSchema>;
export type Offer = z.output<typeof offerSchema>;
export type Contact = z.output<typeof contactSchema>;
export type Site = z.output<typeof siteSchema>;
export type Rac = z.output<typeof racSchema>;
export type MilestoneDates = z.output<typeof milestoneDatesSchema>;
export type Milestones = Partial<Record<MilestoneCode, MilestoneDates>>;

/** A project as stored: the order plus its reference and bookkeeping. */
export interface Project extends ProjectInput {
  ref: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** PATCH body: `null` clears a date, an absent key leaves it as it is. */
export const milestonesPatchSchema = z
  .partialRecord(
    z.enum(MILESTONE_CODES),
    z.strictObject({ planned: isoDate.nullable().optional(), actual: isoDate.nullable().optional() }),
  )
  .refine((value) => Object.keys(value).length > 0, 'give at least one milestone to change');
export type MilestonesPatch = z.output<typeof milestonesPatchSchema>;
