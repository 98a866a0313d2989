/**
 * Counts attempts per subject (a client address, a hashed email) in fixed windows, in this
 * process's memory, like the per-key request limit. Behind N instances an attacker gets N
 * times the allowance, which still turns a brute force of millions of tries into a crawl.
 */
export interface AttemptLimiter {
  /** Seconds to wait before the next attempt is admitted; 0 while attempts remain. */
  retryAfter(subject: string): number;
  /** Counts one attempt and returns `retryAfter` as it stands after it. */
  hit(subject: string): number;
}

export interface AttemptLimiterOptions {
  max: number;
  windowMs: number;
  now?: () => number;
  /** Bounds the memory an attacker cycling through addresses can make us hold. */
  maxSubjects?: number;
}

export function createAttemptLimiter({
  max,
  windowMs,
  now = Date.now,
  maxSubjects = 100_000,
}: AttemptLimiterOptions): AttemptLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>();

  const wait = (subject: string, at: number): number => {
    const window = windows.get(subject);
    if (!window || window.resetAt <= at || window.count < max) return 0;
    return Math.max(1, Math.ceil((window.resetAt - at) / 1000));
  };

  const makeRoom = (at: number) => {
    for (const [subject, window] of windows) if (window.resetAt <= at) windows.delete(subject);
    // Still full of live windows: drop the oldest (a Map iterates in insertion order).
    for (const subject of windows.keys()) {
      if (windows.size < maxSubjects) break;
      windows.delete(subject);
    }
  };

  return {
    retryAfter: (subject) => wait(subject, now()),
    hit(subject) {
      const at = now();
      const window = windows.get(subject);
      if (window && window.resetAt > at) {
        window.count++;
      } else {
        if (!window && windows.size >= maxSubjects) makeRoom(at);
        windows.set(subject, { count: 1, resetAt: at + windowMs });
      }
      return wait(subject, at);
    },
  };
}
