import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  constantBackoff,
  decorrelatedJitterBackoff,
  exponentialBackoff,
  fullJitterBackoff,
} from '../../src/index.js';

const contextArb = fc
  .record({
    attempt: fc.integer({ min: 1, max: 40 }),
    initialDelay: fc.integer({ min: 0, max: 5_000 }),
    extra: fc.integer({ min: 0, max: 60_000 }),
    previousFactor: fc.double({ min: 0, max: 1, noNaN: true }),
    u: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  })
  .map(({ attempt, initialDelay, extra, previousFactor, u }) => {
    const maxDelay = initialDelay + extra;
    return {
      attempt,
      initialDelay,
      maxDelay,
      previousDelay: initialDelay + previousFactor * (maxDelay - initialDelay),
      random: () => u,
      u,
    };
  });

describe('backoff strategies: ranges', () => {
  it('stay finite after thousands of attempts, also from a 0 ms base', () => {
    for (const initialDelay of [0, 100]) {
      const context = {
        attempt: 5_000,
        initialDelay,
        maxDelay: 1_000,
        previousDelay: initialDelay,
        random: () => 0.5,
      };
      for (const backoff of [
        fullJitterBackoff,
        exponentialBackoff,
        decorrelatedJitterBackoff,
        constantBackoff,
      ]) {
        const delay = backoff.delay(context);
        expect(Number.isFinite(delay)).toBe(true);
        expect(delay).toBeLessThanOrEqual(1_000);
      }
    }
  });

  it('full jitter: uniform in [0, min(maxDelay, initialDelay·2^(attempt-1)))', () => {
    fc.assert(
      fc.property(contextArb, (c) => {
        const cap = Math.min(c.maxDelay, c.initialDelay * 2 ** (c.attempt - 1));
        const d = fullJitterBackoff.delay(c);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(cap);
        if (cap > 0) expect(d).toBeLessThan(cap);
        expect(d).toBeCloseTo(c.u * cap, 6);
      }),
      { numRuns: 300 },
    );
  });

  it('decorrelated: in [initialDelay, min(maxDelay, 3·previousDelay)]', () => {
    fc.assert(
      fc.property(contextArb, (c) => {
        const d = decorrelatedJitterBackoff.delay(c);
        expect(d).toBeGreaterThanOrEqual(c.initialDelay);
        expect(d).toBeLessThanOrEqual(
          Math.min(c.maxDelay, Math.max(c.initialDelay, 3 * c.previousDelay)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('exponential and constant: deterministic and capped', () => {
    fc.assert(
      fc.property(contextArb, (c) => {
        expect(exponentialBackoff.delay(c)).toBe(
          Math.min(c.maxDelay, c.initialDelay * 2 ** (c.attempt - 1)),
        );
        expect(constantBackoff.delay(c)).toBe(Math.min(c.initialDelay, c.maxDelay));
      }),
      { numRuns: 200 },
    );
  });
});
