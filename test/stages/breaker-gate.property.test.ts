/**
 * Properties of breakerGate under random outage patterns (virtual time):
 * - conservation and order: the sink receives every source item exactly once, in order;
 * - the gate's admission and the wrapped calls' permits agree: a sequential consumer behind the
 *   gate is never refused with CircuitOpenError;
 * - the solver is never called while the breaker is open;
 * - the gate never pulls while the breaker is open, and the run always completes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { breakerGate, CircuitOpenError, circuitBreaker } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

describe('breakerGate: properties', () => {
  it('every item reaches the sink once, in order; no refusal; no call or pull while open', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          items: fc.integer({ min: 0, max: 40 }),
          outcomes: fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
          threshold: fc.integer({ min: 1, max: 4 }),
          resetTimeout: fc.integer({ min: 0, max: 500 }),
          trials: fc.integer({ min: 1, max: 3 }),
          duration: fc.integer({ min: 0, max: 50 }),
          pullDelay: fc.integer({ min: 0, max: 60 }),
          deadlineMs: fc.integer({ min: 1, max: 100 }),
          async: fc.boolean(),
        }),
        async ({
          items,
          outcomes,
          threshold,
          resetTimeout,
          trials,
          duration,
          pullDelay,
          deadlineMs,
          async,
        }) => {
          const clock = new VirtualClock();
          const breaker = circuitBreaker({
            failureThreshold: threshold,
            resetTimeout,
            halfOpen: { trials, deadlineMs },
            clock,
          });
          const pullStates: string[] = [];
          const callStates: string[] = [];
          let closed = false;
          function* sync() {
            try {
              for (let i = 0; i < items; i++) {
                pullStates.push(breaker.state);
                yield i;
              }
            } finally {
              closed = true;
            }
          }
          async function* asyncGen() {
            // A slow producer: the breaker may change state while the gate waits for an item.
            for (const item of sync()) {
              await clock.sleep(pullDelay);
              yield item;
            }
          }
          let n = 0;
          const solve = breaker.wrap(async (item: number) => {
            callStates.push(breaker.state);
            await clock.sleep(duration);
            if (outcomes[n++ % outcomes.length] === false) throw new Error(`fail ${item}`);
            return item;
          });
          const sink: number[] = [];
          let refusals = 0;
          let done = false;
          const run = (async () => {
            for await (const item of breakerGate<number>(breaker)(async ? asyncGen() : sync())) {
              try {
                await solve(item);
              } catch (error) {
                if (error instanceof CircuitOpenError) refusals++;
              }
              sink.push(item);
            }
          })().finally(() => {
            done = true;
          });
          for (let i = 0; !done; i++) {
            if (i > 5_000) throw new Error('never finished');
            const next = clock.nextTimerAt();
            await clock.advance(next === undefined ? 0 : next - clock.now());
          }
          await run;
          expect(sink).toEqual([...Array(items).keys()]);
          expect(refusals).toBe(0);
          expect(callStates).not.toContain('open');
          expect(pullStates).not.toContain('open');
          expect(closed).toBe(true);
          expect(breaker.stats().inFlight).toBe(0);
          expect(clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
