export const WEB: string;
export const WEB_DIST: string;
export function webStale(): boolean;
export function buildWeb(): Promise<void>;
