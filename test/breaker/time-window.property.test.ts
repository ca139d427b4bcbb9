/**
 * B4 as a property: samples older than the time window never affect a decision. A breaker that
 * saw any history (that did not open it) and then a gap of at least the window behaves exactly
 * like a fresh breaker on every following call.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CircuitBreaker, circuitBreaker, type StateChange } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

const sampleArb = fc.record({ gap: fc.integer({ min: 0, max: 120 }), failed: fc.boolean() });

async function feed(
  breaker: CircuitBreaker,
  clock: VirtualClock,
  samples: { gap: number; failed: boolean }[],
): Promise<void> {
  for (const { gap, failed } of samples) {
    await clock.advance(gap);
    await breaker
      .wrap(async () => {
        if (failed) throw new Error('x');
      })()
      .catch(() => {});
  }
}

describe('circuitBreaker: B4 no sample older than the window affects a decision', () => {
  it('history + a gap ≥ window behaves like a fresh breaker', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          size: fc.integer({ min: 10, max: 500 }),
          buckets: fc.integer({ min: 1, max: 6 }),
          minimumCalls: fc.integer({ min: 1, max: 5 }),
          failureRate: fc.constantFrom(0.2, 0.5, 0.75, 1),
        }),
        fc.array(sampleArb, { maxLength: 30 }),
        fc.integer({ min: 0, max: 300 }),
        fc.array(sampleArb, { minLength: 1, maxLength: 30 }),
        async (cfg, prefix, extraGap, suffix) => {
          const options = {
            window: {
              kind: 'time' as const,
              size: cfg.size,
              buckets: Math.min(cfg.buckets, cfg.size),
            },
            minimumCalls: cfg.minimumCalls,
            failureRate: cfg.failureRate,
            resetTimeout: 1_000,
          };
          const clockA = new VirtualClock();
          const a = circuitBreaker({ ...options, clock: clockA });
          await feed(a, clockA, prefix);
          fc.pre(a.state === 'closed' && a.stats().opens === 0 && a.stats().generation === 0);
          await clockA.advance(cfg.size + extraGap);
          const clockB = new VirtualClock(clockA.now());
          const b = circuitBreaker({ ...options, clock: clockB });
          const logA: StateChange[] = [];
          const logB: StateChange[] = [];
          a.onStateChange((_, c) => logA.push(c));
          b.onStateChange((_, c) => logB.push(c));
          expect(a.stats().window).toEqual({ calls: 0, failures: 0, slow: 0 });
          await feed(a, clockA, suffix);
          await feed(b, clockB, suffix);
          expect(logA.map(({ from, to, at, reason }) => ({ from, to, at, reason }))).toEqual(
            logB.map(({ from, to, at, reason }) => ({ from, to, at, reason })),
          );
          expect(a.stats().window).toEqual(b.stats().window);
        },
      ),
      { numRuns: 120 },
    );
  });
});
