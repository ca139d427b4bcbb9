/**
 * The run's peaks: `observe()` (called once per task) never misses a peak of queue depth or
 * in-flight tasks, and once a peak has reached its ceiling (the queue's capacity, `max`) it
 * takes no more snapshots of the stages.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { RunStats } from '../../src/cli/run-stats.js';
import type { SolveStageStats } from '../../src/solver/solve-stage.js';
import type { ShedStats } from '../../src/stages/shed.js';

function fakeRun(capacity: number, max: number) {
  const now = { depth: 0, inFlight: 0 };
  const reads = { queue: 0, stage: 0 };
  const stats = new RunStats({
    queue: (): ShedStats => {
      reads.queue++;
      return {
        buffered: now.depth,
        capacity,
        received: 0,
        emitted: 0,
        dropped: 0,
        droppedByReason: { full: 0, evicted: 0 },
        dropCallbackErrors: 0,
      };
    },
    stage: (): SolveStageStats => {
      reads.stage++;
      return {
        limit: max,
        inFlight: now.inFlight,
        submits: 0,
        retries: 0,
        resubmits: 0,
        overloads: 0,
        solved: 0,
        failed: 0,
        failedByKind: {},
        breaker: 'closed',
      };
    },
    max,
    now: () => 0,
  });
  return { now, reads, stats };
}

describe('RunStats.observe', () => {
  test.prop([
    fc.integer({ min: 1, max: 20 }),
    fc.integer({ min: 1, max: 20 }),
    fc.array(
      fc.tuple(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
      ),
      {
        maxLength: 60,
      },
    ),
  ])('the peaks are the largest depth and in-flight count observed', (capacity, max, steps) => {
    const { now, stats } = fakeRun(capacity, max);
    let peakDepth = 0;
    let peakInFlight = 0;
    for (const [depth, inFlight] of steps) {
      now.depth = Math.floor(depth * capacity);
      now.inFlight = Math.floor(inFlight * max);
      peakDepth = Math.max(peakDepth, now.depth);
      peakInFlight = Math.max(peakInFlight, now.inFlight);
      stats.observe();
    }
    now.depth = 0;
    now.inFlight = 0;
    const sample = stats.sample();
    expect(sample.queue.peak).toBe(peakDepth);
    expect(sample.peakInFlight).toBe(peakInFlight);
  });

  it('takes no snapshot once both peaks are at their ceilings', () => {
    const { now, reads, stats } = fakeRun(3, 2);
    stats.observe();
    expect(reads).toEqual({ queue: 1, stage: 1 });
    now.depth = 3;
    now.inFlight = 2;
    stats.observe();
    expect(reads).toEqual({ queue: 2, stage: 2 });
    now.depth = 1;
    for (let i = 0; i < 10; i++) stats.observe();
    expect(reads).toEqual({ queue: 2, stage: 2 });
    expect(stats.sample().queue.peak).toBe(3);
  });
});
