import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DropReason, shed } from '../../src/index.js';
import { burstyArrivals } from '../../src/testing/arbitraries/index.js';
import {
  arrivalSource,
  boundsGauge,
  checkCleanup,
  checkConservation,
  checkOrder,
  type DroppedItem,
  driveClock,
  probeListeners,
  VirtualClock,
} from '../../src/testing/index.js';

/**
 * shed under bursty arrivals of the testing kit and a slow consumer, in virtual time: the
 * producer is never blocked, every item is emitted or dropped once with a reason, the stage
 * never holds more than its capacity, FIFO order holds among the survivors, nothing is left.
 */
describe('shed × bursty arrivals (testing kit)', () => {
  it('accounts for every item with a drop reason, holds at most capacity, never blocks the producer', async () => {
    await fc.assert(
      fc.asyncProperty(
        burstyArrivals({ maxItems: 80, maxIntervalMs: 300 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 200 }),
        async (pattern, capacity, serviceMs) => {
          const clock = new VirtualClock();
          const drops: DroppedItem<number>[] = [];
          let consumed = 0;
          // Held: taken from the producer, neither in the consumer's loop body nor dropped. That
          // is shed's buffer plus the one item already handed over in a resolved promise.
          const held = boundsGauge('items taken and not consumed', capacity + 1, clock);
          const source = arrivalSource(pattern, { clock, gauge: held });
          const controller = new AbortController();
          const probe = probeListeners(controller.signal);
          const stage = shed<number>({
            capacity,
            onDrop: (item, reason: DropReason) => {
              held.leave();
              drops.push({ item, reason });
            },
          });
          const outputs: number[] = [];
          await driveClock(
            clock,
            (async () => {
              for await (const i of stage(source, { signal: controller.signal })) {
                held.leave();
                outputs.push(i);
                consumed++;
                await clock.sleep(serviceMs);
              }
            })(),
          );
          held.check();
          const inputs = source.times.map((_, i) => i);
          const { droppedByReason } = checkConservation({
            inputs,
            outputs,
            drops,
            allowedReasons: ['full', 'evicted'],
          });
          checkOrder(inputs, outputs);
          expect(stage.stats()).toMatchObject({
            received: inputs.length,
            emitted: consumed,
            dropped: drops.length,
            droppedByReason: {
              full: droppedByReason.full ?? 0,
              evicted: droppedByReason.evicted ?? 0,
            },
          });
          // shed reads ahead eagerly: the producer never waited for a pull.
          expect(source.blockedMs).toBe(0);
          checkCleanup({ clock, listeners: [probe], sources: [source] });
        },
      ),
      { numRuns: 80 },
    );
  });
});
