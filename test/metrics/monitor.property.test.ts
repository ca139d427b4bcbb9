import { fc, test } from '@fast-check/vitest';
import { type MonitorTick, monitor } from 'backpressure-kit';
import { VirtualClock } from 'backpressure-kit/testing';
import { describe, expect } from 'vitest';

describe('monitor (property)', () => {
  test.prop(
    [
      fc.integer({ min: 1, max: 500 }),
      fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 15 }),
      fc.boolean(),
    ],
    { numRuns: 100 },
  )(
    'for any interval and any way time passes: one whole sample per elapsed interval, on the grid; none and no timer after stopping',
    async (intervalMs, advances, byAbort) => {
      const clock = new VirtualClock(1_000);
      let reads = 0;
      const stage = { stats: () => ({ reads: ++reads }) };
      const ticks: MonitorTick[] = [];
      const controller = new AbortController();
      const dispose = monitor(
        { stage },
        {
          intervalMs,
          clock,
          signal: controller.signal,
          onSample: (sample, tick) => {
            expect(sample.stage.reads).toBe(reads);
            ticks.push(tick);
          },
        },
      );
      for (const ms of advances) await clock.advance(ms);
      const elapsed = clock.now() - 1_000;
      expect(ticks).toHaveLength(Math.floor(elapsed / intervalMs));
      ticks.forEach((tick, i) => {
        expect(tick).toEqual({ at: 1_000 + (i + 1) * intervalMs, tick: i + 1 });
      });
      expect(reads).toBe(ticks.length);
      if (byAbort) controller.abort();
      else dispose();
      await clock.advance(0);
      expect(clock.pendingTimers).toBe(0);
      await clock.advance(intervalMs * 3);
      expect(ticks).toHaveLength(Math.floor(elapsed / intervalMs));
    },
  );
});
