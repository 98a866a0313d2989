import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether an Authorization header carries the metrics token (compared in constant time). */
export function carriesToken(header: string | undefined, token: string): boolean {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), digest(token));
}

export const METRICS_CHALLENGE = 'Bearer realm="metrics"';
export const METRICS_REFUSAL = 'Send "Authorization: Bearer <METRICS_TOKEN>" to read the metrics';
