/**
 * retry properties: attempts never exceed the bound (and exhaustion reports the last error),
 * and every delay stays within its strategy's range, raised to the error's retryAfter.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RetryEvent, RetryExhaustedError, retry } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

async function settleWith<T>(clock: VirtualClock, promise: Promise<T>) {
  let done = false;
  const result = promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  result.finally(() => {
    done = true;
  });
  while (!done) await clock.runAll();
  return result;
}

describe('retry: properties', () => {
  it('calls fn min(failures + 1, attempts) times; exhaustion carries the last error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 10 }),
        async (attempts, failures) => {
          const clock = new VirtualClock();
          let calls = 0;
          const seenAttempts: number[] = [];
          const result = await settleWith(
            clock,
            retry(
              ({ attempt }) => {
                calls++;
                seenAttempts.push(attempt);
                if (calls <= failures) throw new Error(`failure ${calls}`);
                return 'ok';
              },
              { attempts, clock, initialDelay: 10 },
            ),
          );
          expect(calls).toBe(Math.min(failures + 1, attempts));
          expect(seenAttempts).toEqual([...Array(calls).keys()].map((i) => i + 1));
          if (failures < attempts) {
            expect(result).toEqual({ ok: true, value: 'ok' });
          } else {
            expect(result.ok).toBe(false);
            const error = (result as { error: RetryExhaustedError }).error;
            expect(error).toBeInstanceOf(RetryExhaustedError);
            expect(error.code).toBe('ERR_BPK_RETRY_EXHAUSTED');
            expect(error.attempts).toBe(attempts);
            expect((error.cause as Error).message).toBe(`failure ${attempts}`);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('delays stay within the strategy range (and at least retryAfter); the clock waits exactly that', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('full-jitter', 'decorrelated', 'exponential', 'constant') as fc.Arbitrary<
          'full-jitter' | 'decorrelated' | 'exponential' | 'constant'
        >,
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.array(fc.constantFrom(0, 0, 0, 250, 5_000), { minLength: 1, maxLength: 10 }),
        async (backoff, initialDelay, extra, randoms, retryAfters) => {
          const maxDelay = initialDelay + extra;
          const clock = new VirtualClock();
          let r = 0;
          const random = (): number => randoms[r++ % randoms.length]!;
          const events: RetryEvent[] = [];
          const callTimes: number[] = [];
          const attempts = 8;
          await settleWith(
            clock,
            retry(
              ({ attempt }) => {
                callTimes.push(clock.now());
                throw Object.assign(new Error('x'), {
                  retryAfter: retryAfters[(attempt - 1) % retryAfters.length],
                });
              },
              {
                attempts,
                backoff,
                initialDelay,
                maxDelay,
                random,
                clock,
                onRetry: (e) => events.push(e),
              },
            ),
          );
          expect(callTimes).toHaveLength(attempts);
          expect(events).toHaveLength(attempts - 1);
          let previous = initialDelay;
          events.forEach((event, i) => {
            const n = i + 1;
            expect(event.attempt).toBe(n);
            const retryAfter = retryAfters[i % retryAfters.length]!;
            const cap = Math.min(maxDelay, initialDelay * 2 ** (n - 1));
            // The strategy's own delay is the event's delay unless retryAfter raised it.
            const strategy = event.delay;
            expect(strategy).toBeGreaterThanOrEqual(retryAfter);
            expect(strategy).toBeLessThanOrEqual(Math.max(maxDelay, retryAfter));
            if (retryAfter === 0 || event.delay > retryAfter) {
              if (backoff === 'full-jitter') {
                expect(strategy).toBeGreaterThanOrEqual(0);
                expect(strategy).toBeLessThanOrEqual(cap);
                if (cap > 0) expect(strategy).toBeLessThan(cap);
              } else if (backoff === 'decorrelated') {
                expect(strategy).toBeGreaterThanOrEqual(Math.min(initialDelay, maxDelay));
                expect(strategy).toBeLessThanOrEqual(
                  Math.min(maxDelay, Math.max(initialDelay, 3 * previous)),
                );
              } else if (backoff === 'exponential') {
                expect(strategy).toBe(cap);
              } else {
                expect(strategy).toBe(Math.min(initialDelay, maxDelay));
              }
            }
            // The wait between attempts is exactly the reported delay.
            expect(callTimes[n]! - callTimes[n - 1]!).toBeCloseTo(event.delay, 6);
            previous = recomputePrevious(
              backoff,
              event.delay,
              retryAfter,
              previous,
              n,
              initialDelay,
              maxDelay,
            );
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});

/**
 * The strategy's previous delay (decorrelated jitter grows from it). When retryAfter raised the
 * wait, the strategy's own value is not observable, so bound it by the largest it could be.
 */
function recomputePrevious(
  backoff: string,
  delay: number,
  retryAfter: number,
  previous: number,
  _n: number,
  initialDelay: number,
  maxDelay: number,
): number {
  if (backoff !== 'decorrelated') return previous;
  if (delay > retryAfter) return delay;
  return Math.min(maxDelay, Math.max(initialDelay, 3 * previous));
}
