import { describe, expect, it } from 'vitest';
import { adaptiveLimit, aimdLimit, fixedLimit, kneeLimit } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

describe('adaptiveLimit', () => {
  it('runs at most `concurrency` calls at once, in the shape of p-limit', async () => {
    const limit = adaptiveLimit({ algorithm: fixedLimit(3) });
    let running = 0;
    let peak = 0;
    const task = async (x: number) => {
      running++;
      peak = Math.max(peak, running);
      for (let i = 0; i < 3; i++) await null;
      running--;
      return x * 2;
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => limit(task, i)));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(peak).toBe(3);
    expect(limit.concurrency).toBe(3);
    expect(limit.activeCount).toBe(0);
    expect(limit.pendingCount).toBe(0);
  });

  it('moves p-limit concurrency with the controller and reports changes', async () => {
    const clock = new VirtualClock();
    const limit = adaptiveLimit({
      algorithm: aimdLimit({ backoff: 0.5 }),
      initial: 8,
      clock,
      classify: ({ error }) => (error ? 'drop' : 'success'),
    });
    const changes: [number, number][] = [];
    const dispose = limit.onLimitChange((l, p) => changes.push([l, p]));
    await expect(limit(() => Promise.reject(new Error('429')))).rejects.toThrow('429');
    expect(limit.concurrency).toBe(4);
    expect(changes).toEqual([[4, 8]]);
    dispose();
    // A call started after the cut: a new loss epoch, so it cuts again.
    await clock.advance(10);
    await expect(limit(() => Promise.reject(new Error('429')))).rejects.toThrow('429');
    expect(limit.concurrency).toBe(2);
    expect(changes).toHaveLength(1);
  });

  it('queues in call order, starts waiting calls when the limit rises, and clears its queue', async () => {
    const limit = adaptiveLimit({ algorithm: aimdLimit({ increase: 1 }), initial: 2 });
    const release: (() => void)[] = [];
    const started: number[] = [];
    const task = (i: number) =>
      new Promise<number>((resolve) => {
        started.push(i);
        release.push(() => resolve(i));
      });
    const results = [0, 1, 2, 3].map((i) => limit(task, i));
    expect(started).toEqual([0, 1]);
    expect(limit.activeCount).toBe(2);
    expect(limit.pendingCount).toBe(2);
    // A success with the limit in use raises it to 3: two waiting calls may start (2 and 3).
    release.shift()!();
    await results[0];
    await null;
    expect(limit.concurrency).toBe(3);
    expect(started).toEqual([0, 1, 2, 3]);
    const late = limit(task, 4);
    expect(limit.pendingCount).toBe(1);
    limit.clearQueue();
    expect(limit.pendingCount).toBe(0);
    for (const r of release.splice(0)) r();
    expect(await Promise.all(results.slice(1))).toEqual([1, 2, 3]);
    expect(started).not.toContain(4);
    void late;
  });

  it('turns a synchronous throw into a rejection', async () => {
    const limit = adaptiveLimit();
    await expect(
      limit(() => {
        throw new RangeError('sync');
      }),
    ).rejects.toThrow(RangeError);
    expect(limit.activeCount).toBe(0);
  });

  it('passes arguments, rejects with the call error, validates options', async () => {
    const limit = adaptiveLimit();
    expect(await limit((a: number, b: string) => `${a}${b}`, 1, 'x')).toBe('1x');
    await expect(
      limit(() => {
        throw new TypeError('bad');
      }),
    ).rejects.toThrow(TypeError);
    expect(() => adaptiveLimit({ min: 0 })).toThrow(RangeError);
    expect(() => adaptiveLimit({ min: 5, max: 4 })).toThrow(/`max` to be an integer from 5/);
    expect(() => adaptiveLimit({ initial: 200 })).toThrow(/`initial`/);
    expect(() => adaptiveLimit({ classify: 'x' as never })).toThrow(TypeError);
  });

  it('honours a max given on the algorithm and rejects a conflicting one on the stage', async () => {
    const limit = adaptiveLimit({ limit: kneeLimit({ max: 3 }) });
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      for (let i = 0; i < 3; i++) await null;
      running--;
    };
    await Promise.all(Array.from({ length: 20 }, () => limit(task)));
    expect(peak).toBe(3);
    expect(limit.concurrency).toBe(3);
    expect(() => adaptiveLimit({ max: 4, algorithm: kneeLimit({ max: 3 }) })).toThrow(
      'Expected `algorithm.max` to be left out or the same as `max` (4); bounds belong on the stage, got 3',
    );
  });
});
