import { describe, expect, it } from 'vitest';
import { type KneeDecision, kneeLimit } from '../../src/index.js';

/** Feeds `n` successes of `latencyMs`, spaced `gapMs` apart, with the limit fully used. */
function feed(
  controller: ReturnType<ReturnType<typeof kneeLimit>['create']>,
  n: number,
  latencyMs: number,
  gapMs: number,
  start: number,
): number {
  let now = start;
  for (let i = 0; i < n; i++) {
    now += gapMs;
    controller.onSample({
      latencyMs,
      outcome: 'success',
      inFlight: Math.floor(controller.limit),
      now,
    });
  }
  return now;
}

describe('kneeLimit', () => {
  it('doubles in slow start while latency stays flat and the limit is used', () => {
    const decisions: KneeDecision[] = [];
    const c = kneeLimit({ onDecision: (d) => decisions.push(d) }).create({
      min: 1,
      max: 1000,
      initial: 4,
    });
    feed(c, 200, 100, 50, 0);
    const grows = decisions.filter((d) => d.action === 'grow');
    expect(grows.length).toBeGreaterThanOrEqual(3);
    expect(grows[0]).toMatchObject({ limitBefore: 4, limit: 8, slowStart: true });
    expect(grows[1]).toMatchObject({ limitBefore: 8, limit: 16 });
  });

  it('does not grow when the limit is not used (application-limited)', () => {
    const c = kneeLimit().create({ min: 1, max: 1000, initial: 20 });
    let now = 0;
    for (let i = 0; i < 500; i++) {
      now += 100;
      c.onSample({ latencyMs: 100, outcome: 'success', inFlight: 3, now });
    }
    expect(c.limit).toBe(20);
  });

  it('steps down in one window to (1 + margin) x baseline / p50 of the limit on a latency rise', () => {
    const decisions: KneeDecision[] = [];
    const c = kneeLimit({ onDecision: (d) => decisions.push(d), windowMinMs: 0 }).create({
      min: 1,
      max: 1000,
      initial: 100,
    });
    // Baseline of 100 ms (slow start grows to 200, then holds at the max of used)
    let now = feed(c, 64, 100, 10, 0);
    // Latency doubles: calls now wait as long as they run.
    now = feed(c, 64, 200, 10, now + 1000);
    const decrease = decisions.find((d) => d.action === 'decrease');
    expect(decrease).toBeDefined();
    expect(decrease!.limit).toBeCloseTo((decrease!.limitBefore * (1.1 * 100)) / 200, 5);
    expect(c.limit).toBeLessThan(decrease!.limitBefore);
    expect(c.baselineMs).toBe(100);
  });

  it('closes a window early on a clear rise (earlyZ), so a capacity drop is seen sooner', () => {
    const firstDecrease = (earlyZ: number) => {
      const decisions: KneeDecision[] = [];
      const c = kneeLimit({ earlyZ, onDecision: (d) => decisions.push(d) }).create({
        min: 1,
        max: 1000,
        initial: 64,
      });
      // 2 calls/s at 10 s, steady; then every call takes twice as long.
      let now = feed(c, 200, 10_000, 500, 0);
      for (let i = 0; i < 64 && !decisions.some((d) => d.action === 'decrease'); i++) {
        now += 500;
        c.onSample({ latencyMs: 20_000, outcome: 'success', inFlight: Math.floor(c.limit), now });
      }
      return decisions.find((d) => d.action === 'decrease');
    };
    const early = firstDecrease(0.5);
    const late = firstDecrease(Number.POSITIVE_INFINITY);
    expect(early).toBeDefined();
    expect(late).toBeDefined();
    expect(early!.samples).toBeLessThan(32);
    expect(late!.samples).toBe(32);
    expect(early!.now).toBeLessThan(late!.now);
  });

  it('cuts by backoff on a drop, once per loss epoch', () => {
    const c = kneeLimit({ backoff: 0.5 }).create({ min: 1, max: 1000, initial: 40 });
    c.onSample({ latencyMs: 10, outcome: 'drop', inFlight: 40, now: 1000 });
    expect(c.limit).toBe(20);
    // Started before the cut (at 995): ignored.
    c.onSample({ latencyMs: 15, outcome: 'drop', inFlight: 20, now: 1010 });
    expect(c.limit).toBe(20);
    // Started after the cut: a new loss epoch.
    c.onSample({ latencyMs: 5, outcome: 'drop', inFlight: 20, now: 1010 });
    expect(c.limit).toBe(10);
  });

  it('gives ignore and failure outcomes no sample', () => {
    const c = kneeLimit().create({ min: 1, max: 1000, initial: 4 });
    for (let i = 0; i < 100; i++) {
      c.onSample({
        latencyMs: 1,
        outcome: i % 2 ? 'ignore' : 'failure',
        inFlight: 4,
        now: i * 100,
      });
    }
    expect(c.limit).toBe(4);
    expect(c.baselineMs).toBeUndefined();
  });

  it('works on its own: create() with bounds gives a controller', () => {
    const c = kneeLimit().create({ min: 1, max: 6, initial: 4 });
    expect(kneeLimit().name).toBe('knee');
    feed(c, 200, 100, 50, 0);
    expect(c.limit).toBe(6);
    expect(c.baselineMs).toBe(100);
    expect(() => kneeLimit({ min: 5, initial: 2 })).toThrow(/`initial` to be an integer from 5/);
  });

  it('sizes a slow-start window at half a sample per admitted call, at least 4, at most windowSamples', () => {
    const samplesOfFirstWindow = (initial: number, windowSamples?: number) => {
      const decisions: KneeDecision[] = [];
      const c = kneeLimit({
        windowMinMs: 0,
        onDecision: (d) => decisions.push(d),
        ...(windowSamples === undefined ? {} : { windowSamples }),
      }).create({ min: 1, max: 1000, initial });
      feed(c, 100, 100, 10, 0);
      return decisions[0]!.samples;
    };
    expect(samplesOfFirstWindow(4)).toBe(4); // the floor: half of 4 would be 2
    expect(samplesOfFirstWindow(20)).toBe(10); // half a sample per call
    expect(samplesOfFirstWindow(200)).toBe(32); // capped at windowSamples
    expect(samplesOfFirstWindow(200, 16)).toBe(16);
  });

  it('validates its options at once', () => {
    expect(() => kneeLimit({ margin: -1 })).toThrow(RangeError);
    expect(() => kneeLimit({ margin: -1 })).toThrow(/`margin`/);
    expect(() => kneeLimit({ windowSamples: 2.5 })).toThrow(RangeError);
    expect(() => kneeLimit({ backoff: '0.5' as unknown as number })).toThrow(TypeError);
    expect(() => kneeLimit({ onDecision: 1 as unknown as () => void })).toThrow(TypeError);
  });
});
