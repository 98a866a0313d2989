import { rowMapper } from '../db/compiled.js';
import { racProfiles } from '../db/schema.js';
import type { RacProfile } from '../render/index.js';

type Row = typeof racProfiles.$inferSelect;
const fromColumns = rowMapper(racProfiles);

/** What a RAC's stored profile says of them, as their signature reads it: the fields they filled in. */
export function signatureOf(row: Row): RacProfile {
  return {
    displayName: row.displayName,
    ...(row.title ? { title: row.title } : {}),
    ...(row.phone ? { phone: row.phone } : {}),
    ...(row.email ? { email: row.email } : {}),
    ...(row.photoUrl ? { photoUrl: row.photoUrl } : {}),
    ...(row.gender ? { gender: row.gender } : {}),
  };
}

/** The same from a row read by a raw statement (by column name), beside another or alone. */
export const signatureOfColumns = (raw: Record<string, unknown>): RacProfile => signatureOf(fromColumns(raw) as Row);
