import { AppError } from '../errors.js';
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
