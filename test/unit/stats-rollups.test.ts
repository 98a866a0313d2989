import { describe, expect, it } from 'vitest';
import { grainFor, planSources } from '../../src/stats/rollups.js';

describe('where a report reads its counters', () => {
  it('sums by week for weeks, by month otherwise, by day for both', () => {
    expect(grainFor(['month', 'agency'])).toBe('month');
    expect(grainFor(['rac'])).toBe('month');
    expect(grainFor(['week'])).toBe('week');
    expect(grainFor(['week', 'month'])).toBeUndefined();
  });

  it('reads whole finished months from rollups and the days around them day by day', () => {
    expect(planSources('2025-01-15', '2025-05-10', 'month', '2026-01-01')).toEqual({
      buckets: ['2025-02-01', '2025-03-01', '2025-04-01'],
      days: [
        ['2025-01-15', '2025-01-31'],
        ['2025-05-01', '2025-05-10'],
      ],
    });
    expect(planSources('2025-01-01', '2025-12-31', 'month', '2026-01-01').days).toEqual([]);
  });

  it('never reads a bucket that can still change from rollups', () => {
    // The last final day is 2025-03-30: March is not over for the counters yet.
    expect(planSources('2025-01-01', '2025-04-10', 'month', '2025-03-30')).toEqual({
      buckets: ['2025-01-01', '2025-02-01'],
      days: [['2025-03-01', '2025-04-10']],
    });
    expect(planSources('2025-03-05', '2025-03-20', 'month', '2026-01-01')).toEqual({
      buckets: [],
      days: [['2025-03-05', '2025-03-20']],
    });
  });

  it('cuts ISO weeks from Monday to Sunday', () => {
    // 2025-03-05 is a Wednesday; 2025-03-10 and 2025-03-17 are Mondays.
    expect(planSources('2025-03-05', '2025-03-26', 'week', '2026-01-01')).toEqual({
      buckets: ['2025-03-10', '2025-03-17'],
      days: [
        ['2025-03-05', '2025-03-09'],
        ['2025-03-24', '2025-03-26'],
      ],
    });
    expect(planSources('2025-03-05', '2025-03-26', undefined, '2026-01-01')).toEqual({
      buckets: [],
      days: [['2025-03-05', '2025-03-26']],
    });
  });
});
