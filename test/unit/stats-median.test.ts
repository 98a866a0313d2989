import { describe, expect, it } from 'vitest';
import { medianOf } from '../../src/stats/query.js';

/** The median read off a histogram of delays agrees with the median of the delays themselves. */
describe('median of a histogram of days', () => {
  const histogram = (days: number[]) => {
    const counts = new Map<number, number>();
    for (const day of days) counts.set(day, (counts.get(day) ?? 0) + 1);
    return counts;
  };
  const direct = (days: number[]) => {
    const sorted = [...days].sort((a, b) => a - b);
    const middle = (sorted.length - 1) / 2;
    const low = sorted[Math.floor(middle)]!;
    return low + (sorted[Math.ceil(middle)]! - low) * (middle - Math.floor(middle));
  };

  it('is null without acknowledged orders', () => {
    expect(medianOf(new Map())).toBeNull();
    expect(medianOf(new Map([[3, 0]]))).toBeNull();
  });

  it('takes the middle order of an odd count and halves the two middle ones of an even count', () => {
    expect(medianOf(histogram([0, 4, 1]))).toBe(1);
    expect(medianOf(histogram([0, 1, 4, 6]))).toBe(2.5);
    expect(medianOf(histogram([2, 2, 2, 9]))).toBe(2);
  });

  it('agrees with the plain median on many random sets', () => {
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let run = 0; run < 200; run++) {
      const days = Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * 30) - 2);
      expect(medianOf(histogram(days))).toBeCloseTo(direct(days), 10);
    }
  });
});
