import { eq, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { rowMapper, runCompiled } from '../db/compiled.js';
import { contacts, milestones, projects, sites } from '../db/schema.js';
import type { Contact, MilestoneCode, Milestones, Project, ProjectInput, Site } from './schema.js';
import { searchTextOf } from './search-text.js';
import { deadlineMarks } from './deadlines.js';

/** The deadline marks of an order's milestones, as its row stores them. */
export function markColumns(order: { receivedAt: string; milestones: Milestones }) {
  const marks = deadlineMarks(order);
  return { deadlineNext: marks.next, deadlineMissed: marks.missed, endedOn: marks.endedOn };
}

/** Row mapping between the API shape of a project and its tables. Omitted stays omitted. */

const CHUNK = 500;

function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as T;
}

interface ContactJson {
  id: string;
  civility: string | null;
  firstName: string | null;
  lastName: string;
  email: string | null;
  mobile: string | null;
  role: string;
}
type SiteJson = Omit<typeof sites.$inferSelect, 'projectRef' | 'position'>;
interface MilestoneJson {
  code: string;
  planned: string | null;
  actual: string | null;
}

// Qualified by hand: drizzle writes a column of the only table unqualified, which inside
// these subqueries would name the sites' own `ref`.
export const orderRef = sql.raw('"projects"."ref"');

// The order with its contacts, sites and milestones in one statement: every message created,
// rendered or re-rendered reads its order, so this is one round trip instead of four.
const contactsJson = sql<ContactJson[]>`(select coalesce(json_agg(json_build_object(
    'id', c.id, 'civility', c.civility, 'firstName', c.first_name, 'lastName', c.last_name,
    'email', c.email, 'mobile', c.mobile, 'role', c.role) order by c.position), '[]'::json)
  from ${contacts} c where c.project_ref = ${orderRef})`;
const sitesJson = sql<SiteJson[]>`(select coalesce(json_agg(json_build_object(
    'ref', s.ref, 'name', s.name, 'address', s.address, 'postalCode', s.postal_code, 'city', s.city,
    'role', s.role, 'contactId', s.contact_id, 'access', s.access) order by s.position), '[]'::json)
  from ${sites} s where s.project_ref = ${orderRef})`;
const milestonesJson = sql<MilestoneJson[]>`(select coalesce(json_agg(json_build_object(
    'code', m.code, 'planned', m.planned, 'actual', m.actual) order by m.code), '[]'::json)
  from ${milestones} m where m.project_ref = ${orderRef})`;

const projectRow = rowMapper(projects);

/** Every message created or re-rendered reads its order: compiled once (../db/compiled.ts). */
export async function loadProject(db: DbOrTx, ref: string, lock = false): Promise<Project | undefined> {
  return (await loadProjectWith(db, { key: lock ? 'loadProject|lock' : 'loadProject', lock }, ref))?.project;
}

/**
 * The order's statement with more columns read beside it (`columns`, named with `as`), so that
 * what a caller needs with the order costs no round trip of its own; `raw` holds them.
 * `key` names the statement's shape (../db/compiled.ts).
 */
export async function loadProjectWith(
  db: DbOrTx,
  shape: { key: string; lock?: boolean; columns?: () => SQL },
  ref: string,
  values: Record<string, unknown> = {},
): Promise<{ project: Project; raw: Record<string, unknown> } | undefined> {
  const { lock = false, columns } = shape;
  const [raw] = await runCompiled(
    db,
    shape.key,
    () => sql`select ${projects}.*, ${contactsJson} as contact_rows, ${sitesJson} as site_rows,
        ${milestonesJson} as milestone_rows${columns ? sql`, ${columns()}` : sql``}
      from ${projects} where ${orderRef} = ${sql.placeholder('ref')}${lock ? sql` for update of ${projects}` : sql``}`,
    { ...values, ref },
  );
  return raw && { project: toProject(raw), raw };
}

function toProject(raw: Record<string, unknown>): Project {
  const row = projectRow(raw) as typeof projects.$inferSelect;
  const contactRows = raw.contact_rows as ContactJson[];
  const siteRows = raw.site_rows as SiteJson[];
  const milestoneRows = raw.milestone_rows as MilestoneJson[];
  const milestoneMap: Milestones = {};
  for (const m of milestoneRows) {
    milestoneMap[m.code as MilestoneCode] = defined({ planned: m.planned ?? undefined, actual: m.actual ?? undefined });
  }
  return {
    ref: row.ref,
    orderNumber: row.orderNumber,
    trackingNumber: row.trackingNumber,
    label: row.label,
    agency: row.agency,
    receivedAt: row.receivedAt,
    offers: row.offers.map((offer) => defined({ ...offer })),
    rac: defined({
      id: row.racId,
      firstName: row.racFirstName,
      lastName: row.racLastName,
      email: row.racEmail,
      phone: row.racPhone ?? undefined,
    }),
    client: { company: row.clientCompany },
    contacts: contactRows.map((c): Contact =>
      defined({
        id: c.id,
        civility: (c.civility ?? undefined) as Contact['civility'],
        firstName: c.firstName ?? undefined,
        lastName: c.lastName,
        email: c.email ?? undefined,
        mobile: c.mobile ?? undefined,
        role: c.role as Contact['role'],
      }),
    ),
    sites: siteRows.map(toSite),
    milestones: milestoneMap,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toSite(s: SiteJson): Site {
  return defined({
    ref: s.ref,
    name: s.name,
    address: s.address,
    postalCode: s.postalCode,
    city: s.city,
    role: s.role as Site['role'],
    contactId: s.contactId ?? undefined,
    access: s.access ?? undefined,
  });
}

export function projectColumns(input: ProjectInput, contentHash: string) {
  return {
    orderNumber: input.orderNumber,
    trackingNumber: input.trackingNumber,
    label: input.label,
    agency: input.agency,
    receivedAt: input.receivedAt,
    racId: input.rac.id,
    racFirstName: input.rac.firstName,
    racLastName: input.rac.lastName,
    racEmail: input.rac.email,
    racPhone: input.rac.phone ?? null,
    clientCompany: input.client.company,
    offers: input.offers,
    contentHash,
    searchText: searchTextOf(input),
    ...markColumns(input),
  };
}

export async function replaceContacts(db: DbOrTx, ref: string, list: readonly Contact[]): Promise<void> {
  await db.delete(contacts).where(eq(contacts.projectRef, ref));
  for (let i = 0; i < list.length; i += CHUNK) {
    await db.insert(contacts).values(
      list.slice(i, i + CHUNK).map((c, j) => ({
        projectRef: ref,
        id: c.id,
        position: i + j,
        civility: c.civility ?? null,
        firstName: c.firstName ?? null,
        lastName: c.lastName,
        email: c.email ?? null,
        mobile: c.mobile ?? null,
        role: c.role,
      })),
    );
  }
}

export async function replaceSites(db: DbOrTx, ref: string, list: readonly Site[]): Promise<void> {
  await db.delete(sites).where(eq(sites.projectRef, ref));
  for (let i = 0; i < list.length; i += CHUNK) {
    await db.insert(sites).values(
      list.slice(i, i + CHUNK).map((s, j) => ({
        projectRef: ref,
        ref: s.ref,
        position: i + j,
        name: s.name,
        address: s.address,
        postalCode: s.postalCode,
        city: s.city,
        role: s.role,
        contactId: s.contactId ?? null,
        access: s.access ?? null,
      })),
    );
  }
}

export async function replaceMilestones(db: DbOrTx, ref: string, map: Milestones): Promise<void> {
  await db.delete(milestones).where(eq(milestones.projectRef, ref));
  const rows = Object.entries(map)
    .filter(([, dates]) => dates && (dates.planned || dates.actual))
    .map(([code, dates]) => ({
      projectRef: ref,
      code,
      planned: dates?.planned ?? null,
      actual: dates?.actual ?? null,
    }));
  if (rows.length > 0) await db.insert(milestones).values(rows);
}
