import { describe, expect, it } from 'vitest';
import { InvalidOptionValueError } from '../../src/index.js';
import {
  type ArrivalPattern,
  arrivalSource,
  arrivalTimes,
  boundsGauge,
  driveClock,
  InvariantViolation,
  VirtualClock,
} from '../../src/testing/index.js';

describe('arrivalTimes', () => {
  it.each<[ArrivalPattern, number[]]>([
    [{ kind: 'steady', count: 3, intervalMs: 10 }, [0, 10, 20]],
    [{ kind: 'bursty', bursts: [2, 1, 3], gapMs: 100 }, [0, 0, 100, 200, 200, 200]],
    [{ kind: 'ramp', count: 4, startIntervalMs: 30, endIntervalMs: 0 }, [0, 30, 50, 60]],
    [{ kind: 'onOff', count: 5, intervalMs: 10, onMs: 20, offMs: 100 }, [0, 10, 120, 130, 240]],
  ])('%o arrives at %o', (pattern, times) => {
    expect(arrivalTimes(pattern)).toEqual(times);
  });

  it('refuses a bad pattern, naming the field', () => {
    expect(() => arrivalTimes({ kind: 'steady', count: -1, intervalMs: 1 })).toThrow(
      InvalidOptionValueError,
    );
    expect(() => arrivalTimes({ kind: 'bursty', bursts: [1, 0.5], gapMs: 1 })).toThrow(
      /pattern\.bursts\[1\]/,
    );
    expect(() => arrivalTimes({ kind: 'nope' } as never)).toThrow(/pattern\.kind/);
  });
});

describe('arrivalSource', () => {
  it('yields each item at its arrival time when pulled at once, and closes', async () => {
    const clock = new VirtualClock();
    const source = arrivalSource({ kind: 'steady', count: 3, intervalMs: 10 }, { clock });
    const seen: [number, number][] = [];
    await driveClock(
      clock,
      (async () => {
        for await (const i of source) seen.push([i, clock.now()]);
      })(),
    );
    expect(seen).toEqual([
      [0, 0],
      [1, 10],
      [2, 20],
    ]);
    expect(source).toMatchObject({ yielded: 3, closed: true, blockedMs: 0, peakWaiting: 1 });
  });

  it('counts the time items waited for a pull (the producer was blocked)', async () => {
    const clock = new VirtualClock();
    const source = arrivalSource(
      { kind: 'bursty', bursts: [3], gapMs: 0 },
      { clock, item: (i) => `task-${i}` },
    );
    const got: string[] = [];
    await driveClock(
      clock,
      (async () => {
        for await (const task of source) {
          got.push(task);
          await clock.sleep(100); // a consumer that takes 100 ms per item
        }
      })(),
    );
    expect(got).toEqual(['task-0', 'task-1', 'task-2']);
    expect(source.blockedMs).toBe(0 + 100 + 200);
    expect(source.peakWaiting).toBe(3);
  });

  it('counts each yielded item as held in the gauge it is given', async () => {
    const clock = new VirtualClock();
    const held = boundsGauge('held', 2);
    const source = arrivalSource({ kind: 'bursty', bursts: [3], gapMs: 0 }, { clock, gauge: held });
    const iterator = source[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    expect(held.current).toBe(2);
    held.leave();
    await iterator.next();
    expect(held).toMatchObject({ current: 2, peak: 2 });
    expect(() => held.check()).not.toThrow();
    expect(() =>
      arrivalSource({ kind: 'steady', count: 1, intervalMs: 0 }, { clock, gauge: 5 as never }),
    ).toThrow(/options\.gauge/);
  });

  it('an early exit runs the source finally', async () => {
    const clock = new VirtualClock();
    const source = arrivalSource({ kind: 'steady', count: 100, intervalMs: 1 }, { clock });
    await driveClock(
      clock,
      (async () => {
        for await (const i of source) if (i === 5) break;
      })(),
    );
    expect(source).toMatchObject({ yielded: 6, closed: true });
  });

  it('return() while waiting for an arrival cancels the sleep: no timer is left', async () => {
    const clock = new VirtualClock();
    const source = arrivalSource({ kind: 'steady', count: 2, intervalMs: 1_000 }, { clock });
    const iterator = source[Symbol.asyncIterator]();
    await iterator.next();
    const pending = iterator.next();
    await clock.advance(10);
    expect(clock.pendingTimers).toBe(1);
    await iterator.return?.();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    expect(clock.pendingTimers).toBe(0);
    expect(source).toMatchObject({ closed: true, yielded: 1 });
  });
});

describe('driveClock', () => {
  it('rejects with a progress violation when the work is pending and no timer is left', async () => {
    const clock = new VirtualClock();
    const stuck = new Promise<void>(() => {});
    const run = driveClock(clock, stuck);
    await expect(run).rejects.toBeInstanceOf(InvariantViolation);
    await expect(run).rejects.toThrow(/progress: .* no timer is left/);
  });

  it('passes the work’s own rejection through', async () => {
    const clock = new VirtualClock();
    const failing = clock.sleep(50).then(() => {
      throw new Error('boom');
    });
    await expect(driveClock(clock, failing)).rejects.toThrow('boom');
    expect(clock.now()).toBe(50);
  });
});
