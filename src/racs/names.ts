import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';

export interface RacName {
  /** How the RAC is known to colleagues; null when nothing in Jalon names them any more. */
  displayName: string | null;
  /** The agency code the RAC works for, or null when nothing says. */
  agency: string | null;
}

/**
 * The names of RACs for reports a person reads. Figures outlive orders and profiles, so each
 * source may be gone: the signature profile comes first (it is how the RAC presents
 * themselves, as the messages sign), then the latest order the RAC holds (what the order tools
 * say), then the person who signs in as that RAC. One query for all the RACs of a report.
 */
export async function racNames(db: Pick<Db, 'execute'>, ids: readonly string[]): Promise<Map<string, RacName>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const list = sql.join(
    unique.map((id) => sql`${id}`),
    sql`, `,
  );
  const result = await db.execute(sql`
    select ids.id, coalesce(r.display_name, p.name, u.display_name) as "displayName",
      coalesce(r.agency, p.agency, u.agency) as agency
    from unnest(array[${list}]::text[]) as ids(id)
    left join rac_profiles r on r.id = ids.id
    left join lateral (select rac_first_name || ' ' || rac_last_name as name, agency from projects
      where rac_id = ids.id order by updated_at desc limit 1) p on true
    left join lateral (select display_name, nullif(agency, '*') as agency from users
      where rac_id = ids.id and deactivated_at is null limit 1) u on true`);
  const rows = (result as { rows: ({ id: string } & RacName)[] }).rows;
  return new Map(rows.map(({ id, ...name }) => [id, name]));
}
