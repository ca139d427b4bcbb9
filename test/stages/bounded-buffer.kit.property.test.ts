import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedBuffer } from '../../src/index.js';
import { arrivalPatterns } from '../../src/testing/arbitraries/index.js';
import {
  arrivalSource,
  boundsGauge,
  checkCleanup,
  checkConservation,
  checkOrder,
  driveClock,
  probeListeners,
  VirtualClock,
} from '../../src/testing/index.js';

/**
 * boundedBuffer under any arrival pattern of the testing kit and a consumer of any speed, in
 * virtual time: lossless, in order, never holding more than its high-water mark, and clean
 * after a normal end or an early exit.
 */
describe('boundedBuffer × arrival patterns (testing kit)', () => {
  it('holds at most highWaterMark items, loses none, keeps order, leaves nothing behind', async () => {
    await fc.assert(
      fc.asyncProperty(
        arrivalPatterns({ maxItems: 60, maxIntervalMs: 200 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat({ max: 60 }), { nil: undefined }),
        async (pattern, highWaterMark, serviceMs, stopAfter) => {
          const clock = new VirtualClock();
          // Held: taken from the producer, not yet in the consumer's loop body. That is the
          // buffer's read-ahead plus the one item already handed over in a resolved promise.
          const held = boundsGauge('items taken and not consumed', highWaterMark + 1, clock);
          const source = arrivalSource(pattern, { clock, gauge: held });
          const controller = new AbortController();
          const probe = probeListeners(controller.signal);
          const buffer = boundedBuffer<number>({ highWaterMark, clock });
          const consumed: number[] = [];
          await driveClock(
            clock,
            (async () => {
              for await (const i of buffer(source, { signal: controller.signal })) {
                held.leave();
                consumed.push(i);
                if (consumed.length === stopAfter) break;
                await clock.sleep(serviceMs[consumed.length % serviceMs.length]!);
              }
            })(),
          );
          held.check();
          const stats = buffer.stats();
          expect(stats.peakBuffered).toBeLessThanOrEqual(highWaterMark);
          const inputs = Array.from({ length: source.yielded }, (_, i) => i);
          // An early exit releases what was still buffered: counted in stats().discarded.
          const discarded = inputs
            .slice(consumed.length)
            .map((item) => ({ item, reason: 'discarded' }));
          checkConservation({ inputs, outputs: consumed, drops: discarded });
          expect(stats.discarded).toBe(discarded.length);
          if (stopAfter === undefined || stopAfter > source.times.length) {
            expect(consumed).toHaveLength(source.times.length);
          }
          checkOrder(inputs, consumed);
          checkCleanup({ clock, listeners: [probe], sources: [source] });
        },
      ),
      { numRuns: 80 },
    );
  });
});
