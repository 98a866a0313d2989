import { createContext, useContext } from 'react';
import type { MeView } from './types.js';

export const SessionContext = createContext<MeView | null>(null);

export function useMe(): MeView {
  const me = useContext(SessionContext);
  if (!me) throw new Error('outside a session');
  return me;
}

/** What the API lets each role do; the console shows no action the API would refuse. */
export const can = {
  send: (me: MeView) => me.role === 'rac' || me.role === 'admin',
  setMilestones: (me: MeView) => me.role === 'rac' || me.role === 'admin',
  plan: (me: MeView) => me.role === 'rac' || me.role === 'admin' || me.role === 'planner',
  readStats: (me: MeView) => me.role === 'manager' || me.role === 'admin',
  administer: (me: MeView) => me.role === 'admin',
  sign: (me: MeView) => me.role === 'rac' && me.racId !== null,
};
