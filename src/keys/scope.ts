import { AppError, invalid } from '../errors.js';
import type { Caller, Role } from './service.js';

const who = (caller: Caller) => (caller.kind === 'user' ? 'this person' : 'this key');
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Whether a key's agency scope covers an agency: its own, or every one for `*`. */
export const inAgency = (caller: Caller, agency: string): boolean => caller.agency === '*' || caller.agency === agency;

/** Refuses, in one wording, what lies outside a key's agency. */
export function assertAgency(caller: Caller, agency: string): void {
  if (!inAgency(caller, agency)) {
    throw new AppError('forbidden', 403, `${capital(who(caller))} is limited to agency ${caller.agency}`);
  }
}

/** What a key may see: its agency (or all for `*`) and, for a RAC key, its own projects. */
export function canSeeProject(caller: Caller, project: { agency: string; rac: { id: string } }): boolean {
  if (!inAgency(caller, project.agency)) return false;
  if (caller.role === 'rac' && caller.racId !== project.rac.id) return false;
  return true;
}

export function assertProjectScope(caller: Caller, project: { agency: string; rac: { id: string } }): void {
  if (!canSeeProject(caller, project)) {
    const why =
      caller.role === 'rac'
        ? `${who(caller)} acts for RAC ${caller.racId ?? '?'} in agency ${caller.agency}`
        : `${who(caller)} is limited to agency ${caller.agency}`;
    throw new AppError('forbidden', 403, `Project outside the caller's scope: ${why}`);
  }
}

export function assertRole(caller: Caller, roles: readonly Role[]): void {
  if (!roles.includes(caller.role)) {
    throw new AppError(
      'forbidden',
      403,
      `This operation needs one of the roles ${roles.join(', ')}; ${who(caller)} is ${caller.role}`,
    );
  }
}

/** Whom a list shows: an agency (null: every one) and a RAC (null: every RAC). */
export interface ListScope {
  agency: string | null;
  racId: string | null;
}

/**
 * What a list may show a caller, narrowed by its `rac` and `agency` filters: a RAC its own
 * orders, anyone else its agency (or every agency for `*`). A filter outside the caller's
 * reach is refused rather than answered with an empty list, so that a mistake is seen.
 */
export function listScope(
  caller: Caller,
  filters: { rac?: string | undefined; agency?: string | undefined },
): ListScope {
  let racId = filters.rac ?? null;
  if (racId === 'me') {
    if (!caller.racId) {
      throw invalid([
        { path: 'querystring.rac', message: `${who(caller)} acts for no RAC: name one, or leave it out` },
      ]);
    }
    racId = caller.racId;
  }
  if (caller.role === 'rac') {
    if (!caller.racId || (racId !== null && racId !== caller.racId)) {
      throw new AppError('forbidden', 403, `${capital(who(caller))} acts for RAC ${caller.racId ?? '?'} only`);
    }
    racId = caller.racId;
  }
  if (filters.agency !== undefined) assertAgency(caller, filters.agency);
  const agency = filters.agency ?? (caller.agency === '*' ? null : caller.agency);
  return { agency, racId };
}
