import { describe, expect, it } from 'vitest';
import { createAttemptLimiter } from '../../src/keys/attempts.js';

describe('attempt limiter', () => {
  it('admits max attempts per window, then says how long to wait, then admits again', () => {
    let clock = 1_000_000;
    const limiter = createAttemptLimiter({ max: 3, windowMs: 60_000, now: () => clock });
    expect([limiter.hit('a'), limiter.hit('a')]).toEqual([0, 0]);
    expect(limiter.retryAfter('a')).toBe(0);
    expect(limiter.hit('a')).toBe(60);
    expect(limiter.retryAfter('a')).toBe(60);
    expect(limiter.retryAfter('b')).toBe(0);
    clock += 59_001;
    expect(limiter.retryAfter('a')).toBe(1);
    clock += 1_000;
    expect(limiter.retryAfter('a')).toBe(0);
    expect(limiter.hit('a')).toBe(0);
  });

  it('holds a bounded number of subjects, forgetting expired windows first', () => {
    let clock = 0;
    const limiter = createAttemptLimiter({ max: 1, windowMs: 1_000, now: () => clock, maxSubjects: 3 });
    limiter.hit('old');
    clock = 500;
    limiter.hit('x');
    limiter.hit('y');
    clock = 1_200;
    // 'old' has expired: it goes, the live windows stay.
    limiter.hit('z');
    expect([limiter.retryAfter('x'), limiter.retryAfter('y'), limiter.retryAfter('z')]).toEqual([1, 1, 1]);
    // Full of live windows: the oldest is dropped.
    limiter.hit('w');
    expect(limiter.retryAfter('x')).toBe(0);
    expect(limiter.retryAfter('w')).toBe(1);
  });
});
