import { describe, expect, it } from 'vitest';
import { adaptiveLimit, aimdLimit, fixedLimit } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

describe('adaptiveLimit', () => {
  it('runs at most `concurrency` calls at once, in the shape of p-limit', async () => {
    const limit = adaptiveLimit({ limit: fixedLimit(3) });
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
      limit: aimdLimit({ backoff: 0.5 }),
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
});
