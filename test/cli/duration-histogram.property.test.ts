/**
 * The run's solve-time quantiles: within 1% of the exact nearest-rank quantile of every
 * duration counted, in constant memory.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { DurationHistogram } from '../../src/cli/duration-histogram.js';

const duration = fc.oneof(
  fc.integer({ min: 0, max: 600_000 }),
  fc.double({ min: 0, max: 1e9, noNaN: true }),
);

describe('DurationHistogram', () => {
  test.prop([
    fc.array(duration, { minLength: 1, maxLength: 300 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
  ])(
    'quantile(q) is within 1% of the exact nearest-rank quantile (0 under 1 ms)',
    (durations, q) => {
      const times = new DurationHistogram();
      for (const ms of durations) times.add(ms);
      const sorted = [...durations].sort((a, b) => a - b);
      const exact = sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
      const answer = times.quantile(q)!;
      expect(times.count).toBe(durations.length);
      if (exact < 1) expect(answer).toBe(0);
      else expect(Math.abs(answer / exact - 1)).toBeLessThanOrEqual(0.01);
    },
  );

  it('has no quantile before any duration, and p50 / p95 of 1..100 ms near 50 and 95', () => {
    const times = new DurationHistogram();
    expect(times.quantile(0.5)).toBeUndefined();
    for (let ms = 1; ms <= 100; ms++) times.add(ms);
    expect(Math.abs(times.quantile(0.5)! / 50 - 1)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(times.quantile(0.95)! / 95 - 1)).toBeLessThanOrEqual(0.01);
  });
});
