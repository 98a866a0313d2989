import { type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { contacts, messages, racProfiles } from '../db/schema.js';
import { loadProjectWith, orderRef } from '../projects/repository.js';
import type { Project } from '../projects/schema.js';
import { signatureOfColumns } from '../racs/profile.js';
import type { RacProfile } from '../render/index.js';
import { activeAmong, type KnownSuppressions, knownSuppressions } from '../suppressions/store.js';

/** What creating a message has read with its order, so that composing it reads nothing again. */
export interface Known {
  profile: RacProfile | undefined;
  /** The active suppressions of the order's contacts and of its RAC. */
  suppressions: KnownSuppressions;
}

export interface MessageContext {
  project: Project;
  known: Known;
  /** The order's drafts of the template asked for, oldest first. */
  drafts: { id: string; status: 'draft' }[];
}

const ofOrder = (table: SQL) => sql`${table}.project_ref = ${orderRef}`;

// Every message created reads these beside its order: one round trip instead of four.
const columns = () => sql`(select row_to_json(p) from ${racProfiles} p where p.id = "projects"."rac_id") as profile_row,
  ${activeAmong(
    {
      email: sql`select lower(c.email) from ${contacts} c where ${ofOrder(sql`c`)} and c.email is not null
        union all select lower("projects"."rac_email")`,
      sms: sql`select c.mobile from ${contacts} c where ${ofOrder(sql`c`)} and c.mobile is not null`,
    },
    sql`${sql.placeholder('now')}::timestamptz`,
  )} as suppression_rows,
  (select coalesce(json_agg(json_build_object('id', x.id, 'status', x.status) order by x.created_at), '[]'::json)
    from ${messages} x where ${ofOrder(sql`x`)} and x.status = 'draft'
      and x.template_key = ${sql.placeholder('template')}) as draft_rows`;

/**
 * The order a new message is for, with its RAC's profile, the suppressions that concern its
 * people and the drafts of `template` (none looked for without one).
 */
export async function loadMessageContext(
  db: DbOrTx,
  ref: string,
  template: string | undefined,
  now: Date,
): Promise<MessageContext | undefined> {
  const found = await loadProjectWith(db, { key: 'messageContext', columns }, ref, {
    now: now.toISOString(),
    template: template ?? null,
  });
  if (!found) return undefined;
  const { project, raw } = found;
  const addresses = [
    ...project.contacts.flatMap((c) => [
      ...(c.email ? [{ channel: 'email' as const, address: c.email }] : []),
      ...(c.mobile ? [{ channel: 'sms' as const, address: c.mobile }] : []),
    ]),
    { channel: 'email' as const, address: project.rac.email },
  ];
  const profileRow = raw.profile_row as Record<string, unknown> | null;
  return {
    project,
    known: {
      profile: profileRow ? signatureOfColumns(profileRow) : undefined,
      suppressions: knownSuppressions(raw.suppression_rows as Record<string, unknown>[], addresses),
    },
    drafts: raw.draft_rows as MessageContext['drafts'],
  };
}
