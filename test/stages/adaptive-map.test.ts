import { describe, expect, it } from 'vitest';
import {
  adaptiveMap,
  aimdLimit,
  fixedLimit,
  InvalidOptionValueError,
  ItemFailedError,
  kneeLimit,
  type LimitAlgorithm,
} from '../../src/index.js';
import { trackedAbortController, VirtualClock } from '../../src/testing/index.js';
import {
  countedFn,
  drainWithClock,
  endlessSource,
  recordedSource,
} from './adaptive-map-helpers.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('adaptiveMap: results', () => {
  it('yields every result as it finishes and keeps at most `limit` calls in flight', async () => {
    const clock = new VirtualClock();
    const { fn, state } = countedFn(clock, (x: number) => ((x * 37) % 11) * 10);
    const stage = adaptiveMap(fn, { algorithm: fixedLimit(4), clock });
    const out = await drainWithClock(clock, stage(range(50)));
    expect([...out].sort((a, b) => a - b)).toEqual(range(50));
    // Unordered: exactly the order the calls finished in, which is not the input order.
    expect(out).toEqual(state.finished);
    expect(out).not.toEqual(range(50));
    expect(state.peak).toBe(4);
    expect(stage.stats()).toMatchObject({
      limit: 4,
      inFlight: 0,
      started: 50,
      succeeded: 50,
      failed: 0,
    });
  });

  it('keeps input order with ordered: true', async () => {
    const clock = new VirtualClock();
    const stage = adaptiveMap(
      async (x: number) => {
        await clock.sleep(((x * 37) % 11) * 10);
        return x;
      },
      { algorithm: fixedLimit(5), ordered: true, clock },
    );
    expect(await drainWithClock(clock, stage(recordedSource(range(60)).iterable))).toEqual(
      range(60),
    );
  });

  it('pulls only while a slot is free: no read-ahead beyond the limit', async () => {
    const release: (() => void)[] = [];
    const source = recordedSource(range(100));
    const stage = adaptiveMap(() => new Promise<void>((r) => release.push(r)), {
      algorithm: fixedLimit(3),
    });
    const it = stage(source.iterable);
    const first = it.next();
    for (let i = 0; i < 20; i++) await null;
    expect(source.state.pulled).toBe(3);
    expect(stage.stats().inFlight).toBe(3);
    release.shift()!();
    await first;
    for (let i = 0; i < 20; i++) await null;
    expect(source.state.pulled).toBe(4);
    await it.return!();
    expect(source.state.closed).toBe(true);
  });

  it('accepts a synchronous fn and a synchronous source', async () => {
    const stage = adaptiveMap((x: number) => x + 1, { ordered: true });
    const out: number[] = [];
    for await (const x of stage(range(1000))) out.push(x);
    expect(out).toEqual(range(1000).map((x) => x + 1));
  });

  it('min === max is a fixed concurrency: exactly that many calls run at once', async () => {
    const clock = new VirtualClock();
    // Latency that rises with load: an adaptive limit would move; a fixed one must not.
    const { fn, state } = countedFn(clock, (_x: number, running) => 10 * running);
    const stage = adaptiveMap(fn, { min: 6, max: 6, clock });
    expect(await drainWithClock(clock, stage(range(100)), 5)).toHaveLength(100);
    expect(state.peak).toBe(6);
    expect(stage.stats().limit).toBe(6);
  });

  it('holds the limit across concurrent runs of one stage', async () => {
    const clock = new VirtualClock();
    const { fn, state } = countedFn(clock, (x: number) => 10 + (x % 3));
    const stage = adaptiveMap(fn, { algorithm: fixedLimit(4), clock });
    const [a, b] = await Promise.all([
      drainWithClock(clock, stage(range(30))),
      drainWithClock(clock, stage(range(30).map((x) => x + 100))),
    ]);
    expect(a).toHaveLength(30);
    expect(b).toHaveLength(30);
    expect(state.peak).toBe(4);
  });
});

describe('adaptiveMap: bounds', () => {
  /** Runs `stage` over 40 items that each take 10 virtual ms; returns the peak in flight. */
  async function peakInFlight(
    make: (fn: (x: number) => Promise<number>) => (source: number[]) => AsyncIterable<number>,
  ): Promise<number> {
    const clock = new VirtualClock();
    const { fn, state } = countedFn(clock, (_x: number) => 10);
    expect(await drainWithClock(clock, make(fn)(range(40)), 5)).toHaveLength(40);
    return state.peak;
  }

  it('honours a max given on the algorithm: kneeLimit({ max: 3 }) never runs 4 calls at once', async () => {
    const peak = await peakInFlight((fn) => adaptiveMap(fn, { limit: kneeLimit({ max: 3 }) }));
    expect(peak).toBe(3);
  });

  it('rejects a bound set to different values on the stage and on its algorithm', () => {
    const fn = async (x: number) => x;
    const conflicting = () => adaptiveMap(fn, { max: 4, limit: kneeLimit({ max: 3 }) });
    expect(conflicting).toThrow(InvalidOptionValueError);
    expect(conflicting).toThrow(
      'Expected `limit.max` to be left out or the same as `max` (4); bounds belong on the stage, got 3',
    );
    expect(() => adaptiveMap(fn, { initial: 2, algorithm: aimdLimit({ initial: 5 }) })).toThrow(
      /`algorithm.initial` to be left out or the same as `initial` \(2\)/,
    );
    // The same value in both places is no conflict.
    expect(adaptiveMap(fn, { max: 3, limit: kneeLimit({ max: 3 }) }).stats().limit).toBe(3);
    // A bound only on the algorithm is checked against the stage's others.
    expect(() => adaptiveMap(fn, { min: 5, limit: kneeLimit({ max: 3 }) })).toThrow(
      'Expected `limit.max` to be an integer from 5 and up, got 3',
    );
  });

  it('takes the algorithm as `algorithm`; `limit` is its deprecated name, and both must agree', async () => {
    const fixed = fixedLimit(2);
    expect(await peakInFlight((fn) => adaptiveMap(fn, { algorithm: fixed }))).toBe(2);
    expect(await peakInFlight((fn) => adaptiveMap(fn, { algorithm: fixed, limit: fixed }))).toBe(2);
    expect(() =>
      adaptiveMap(async (x: number) => x, { algorithm: fixed, limit: fixedLimit(3) }),
    ).toThrow('Expected `limit` to be left out when `algorithm` is given');
    expect(() => adaptiveMap(async (x: number) => x, { algorithm: {} as LimitAlgorithm })).toThrow(
      /`algorithm.create`/,
    );
  });

  it('refuses a fixedLimit outside its bounds instead of clamping it', () => {
    const fn = async (x: number) => x;
    expect(() => adaptiveMap(fn, { algorithm: fixedLimit(500) })).toThrow(
      "Expected `fixedLimit(n)` to be inside the stage's `min` 1 and `max` 100, got 500",
    );
    expect(adaptiveMap(fn, { max: 500, algorithm: fixedLimit(500) }).stats().limit).toBe(500);
  });
});

describe('adaptiveMap: runs', () => {
  it('a run nobody reads does not start work when another run frees a slot', async () => {
    const stage = adaptiveMap(async (x: number) => x, { algorithm: fixedLimit(2) });
    const idle = recordedSource(range(10));
    stage(idle.iterable); // created, never consumed
    const out: number[] = [];
    for await (const x of stage(range(20))) out.push(x);
    expect(out).toHaveLength(20);
    expect(idle.state.pulled).toBe(0);
  });
});

describe('adaptiveMap: failures', () => {
  it('settle: true yields one record per item, with the item', async () => {
    const stage = adaptiveMap(
      async (x: number) => {
        if (x % 3 === 0) throw new Error(`bad ${x}`);
        return x * 10;
      },
      { settle: true, ordered: true },
    );
    const records = [];
    for await (const r of stage(range(7))) records.push(r);
    expect(records.map((r) => r.item)).toEqual(range(7));
    expect(records[0]).toMatchObject({ status: 'rejected', item: 0 });
    expect((records[0] as { reason: Error }).reason.message).toBe('bad 0');
    expect(records[1]).toEqual({ status: 'fulfilled', value: 10, item: 1 });
    expect(stage.stats()).toMatchObject({ succeeded: 4, failed: 3 });
  });

  it('throws ItemFailedError with the item, after earlier results, and cleans up', async () => {
    const clock = new VirtualClock();
    const aborted: number[] = [];
    const source = recordedSource(range(100));
    const stage = adaptiveMap(
      async (x: number, { signal }) => {
        signal.addEventListener('abort', () => aborted.push(x));
        if (x === 5) {
          await clock.sleep(50);
          throw new Error('boom');
        }
        await clock.sleep(x < 5 ? 10 : 1_000);
        return x;
      },
      { algorithm: fixedLimit(8), clock },
    );
    const out: number[] = [];
    let caught: unknown;
    try {
      await drainWithClock(clock, {
        async *[Symbol.asyncIterator]() {
          for await (const x of stage(source.iterable)) {
            out.push(x);
            yield x;
          }
        },
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ItemFailedError);
    const error = caught as ItemFailedError<number>;
    expect(error.item).toBe(5);
    expect(error.code).toBe('ERR_BPK_ITEM_FAILED');
    expect(error.outcome).toBe('failure');
    expect((error.cause as Error).message).toBe('boom');
    expect(out.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    // Items 6..12 were in flight: their signals aborted; nothing more was pulled after that.
    expect(aborted.sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10, 11, 12]);
    await clock.runAll();
    expect(source.state.closed).toBe(true);
    expect(source.state.pulled).toBe(13);
    expect(clock.pendingTimers).toBe(0);
  });

  it('retries a dropped item after a jittered backoff, then yields it', async () => {
    const clock = new VirtualClock();
    const attempts = new Map<number, number[]>();
    const stage = adaptiveMap(
      async (x: number) => {
        const times = attempts.get(x) ?? [];
        times.push(clock.now());
        attempts.set(x, times);
        if (x === 2 && times.length <= 2) throw new Error('ERROR_NO_SLOT_AVAILABLE');
        return x;
      },
      {
        algorithm: fixedLimit(2),
        clock,
        random: () => 0.5,
        retryDelayMs: 1_000,
        classify: ({ error }) => (error ? 'drop' : 'success'),
      },
    );
    const out = await drainWithClock(clock, stage(range(4)), 50);
    expect(out.sort()).toEqual(range(4));
    // Full jitter with random 0.5: 0.5 x 1000, then 0.5 x 2000.
    expect(attempts.get(2)).toEqual([0, 500, 1500]);
    expect(stage.stats()).toMatchObject({ dropped: 2, retried: 2, succeeded: 4, failed: 0 });
  });

  it('fails an item dropped on every attempt: a record with settle, an error without', async () => {
    for (const settle of [true, false]) {
      const clock = new VirtualClock();
      const stage = adaptiveMap(
        async (x: number) => {
          if (x === 1) throw new Error('429');
          return x;
        },
        { clock, dropRetries: 2, settle, classify: ({ error }) => (error ? 'drop' : 'success') },
      );
      let result: unknown;
      try {
        result = await drainWithClock(clock, stage([0, 1, 2]), 1_000);
      } catch (error) {
        result = error;
      }
      const failure = settle
        ? (result as { status: string; reason: unknown }[]).find((r) => r.status === 'rejected')!
            .reason
        : result;
      expect(failure).toBeInstanceOf(ItemFailedError);
      expect(failure).toMatchObject({ item: 1, outcome: 'drop', attempts: 3 });
      expect(((failure as Error).cause as Error).message).toBe('429');
      expect(stage.stats()).toMatchObject({ dropped: 3, retried: 2, failed: 1 });
    }
  });

  it('an error classified ignore still fails its item but gives the limit no sample', async () => {
    const stage = adaptiveMap(
      async (x: number) => {
        if (x) throw new TypeError('invalid task');
        return x;
      },
      {
        settle: true,
        algorithm: aimdLimit(),
        initial: 4,
        classify: ({ error }) => (error ? 'ignore' : 'success'),
      },
    );
    const records = [];
    for await (const r of stage([1, 1, 1])) records.push(r);
    expect(records.every((r) => r.status === 'rejected')).toBe(true);
    expect(stage.stats().limit).toBe(4);
  });

  it('a throwing classify fails the item with that error', async () => {
    const stage = adaptiveMap(async (x: number) => x, {
      settle: true,
      classify: () => {
        throw new Error('classify bug');
      },
    });
    const records = [];
    for await (const r of stage([1])) records.push(r);
    const [record] = records;
    expect(record).toMatchObject({ status: 'rejected', item: 1 });
    expect((record as { reason: Error }).reason.message).toBe('classify bug');
  });
});

describe('adaptiveMap: unordered results beyond the first buffer', () => {
  it('keeps every result when up to 2 x limit finish before the consumer reads', async () => {
    const resolvers: (() => void)[] = [];
    const stage = adaptiveMap(
      async (x: number) => {
        await new Promise<void>((resolve) => resolvers.push(resolve));
        return x;
      },
      { algorithm: fixedLimit(40) },
    );
    const it = stage(range(500));
    const got: number[] = [];
    let pending = it.next();
    while (got.length < 500) {
      // Finish everything in flight in a scrambled order, then read one result.
      for (let i = resolvers.length - 1; i >= 0; i -= 2) resolvers.splice(i, 1)[0]!();
      while (resolvers.length > 0) resolvers.shift()!();
      for (let i = 0; i < 5; i++) await null;
      const result = await pending;
      if (result.done) break;
      got.push(result.value);
      pending = it.next();
    }
    expect([...got].sort((a, b) => a - b)).toEqual(range(500));
    expect(await pending).toEqual({ done: true, value: undefined });
  });
});

describe('adaptiveMap: cleanup', () => {
  it('gives every call its own context and signal; only calls in flight are aborted', async () => {
    const contexts: { signal: AbortSignal }[] = [];
    const signals: AbortSignal[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stage = adaptiveMap(
      async (x: number, context: { signal: AbortSignal }) => {
        contexts.push(context);
        if (x % 2 === 0) signals[x] = context.signal; // read during the call
        if (x >= 200) await gate; // the last ones stay in flight
        return x;
      },
      { algorithm: fixedLimit(4), ordered: true },
    );
    const it = stage(range(1000));
    for (let i = 0; i < 200; i++) expect(await it.next()).toEqual({ done: false, value: i });
    // Contexts (and their tasks) are recycled internally, but never shared between calls.
    expect(new Set(contexts).size).toBe(contexts.length);
    expect(new Set(signals.slice(0, 200).filter(Boolean)).size).toBe(100);
    // A signal first read after its call finished belongs to that call and is never aborted.
    const late = contexts[1]!.signal;
    await it.return!();
    release();
    expect(signals.slice(0, 200).some((signal) => signal?.aborted)).toBe(false);
    expect(late.aborted).toBe(false);
    const inFlight = contexts.slice(200);
    expect(inFlight.length).toBeGreaterThan(0);
    expect(inFlight.every((context) => context.signal.aborted)).toBe(true);
  });

  it('runSignal: one per run, aborted with each call signal at the stop', async () => {
    const runSignals: AbortSignal[] = [];
    const callSignals: AbortSignal[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stage = adaptiveMap(
      async (x: number, context) => {
        runSignals.push(context.runSignal);
        callSignals.push(context.signal);
        // Many calls listen at once, each removing its listener when done; they stop on abort.
        const onAbort = (): void => release();
        context.runSignal.addEventListener('abort', onAbort);
        try {
          if (x >= 20) await gate;
        } finally {
          context.runSignal.removeEventListener('abort', onAbort);
        }
        return x;
      },
      { algorithm: fixedLimit(16) },
    );
    const it = stage(range(1000));
    for (let i = 0; i < 20; i++) await it.next();
    const [first] = runSignals;
    expect(new Set(runSignals).size).toBe(1);
    expect(first!.aborted).toBe(false);
    await it.return!();
    expect(first!.aborted).toBe(true);
    const inFlight = callSignals.filter((signal) => signal.aborted);
    expect(inFlight.length).toBeGreaterThan(0);
    for (const signal of inFlight) expect(signal.reason).toBe(first!.reason);
    release();
    // Another run has a signal of its own, live during its calls, aborted once it ended.
    const seen = runSignals.length;
    const again = stage([1, 2]);
    const abortedDuringCalls: boolean[] = [];
    for await (const _ of again) abortedDuringCalls.push(runSignals.at(-1)!.aborted);
    expect(runSignals.length).toBe(seen + 2);
    expect(runSignals.at(-1)).not.toBe(first);
    expect(abortedDuringCalls).toEqual([false, false]);
    expect(runSignals.at(-1)!.aborted).toBe(true);
  });

  it('on early exit: stops pulling, aborts in-flight signals, returns the source, no timers left', async () => {
    const clock = new VirtualClock();
    const reasons: unknown[] = [];
    const source = endlessSource();
    const stage = adaptiveMap(
      async (x: number, { signal }) => {
        if (x % 2) {
          // Odd items wait (until aborted); even items drop and sleep before a retry.
          await new Promise<void>((_, reject) =>
            signal.addEventListener('abort', () => {
              reasons.push(signal.reason);
              reject(signal.reason);
            }),
          );
        }
        throw new Error('drop');
      },
      { algorithm: fixedLimit(6), clock, classify: () => 'drop', random: () => 0.9 },
    );
    const it = stage(source.iterable);
    const pending = it.next();
    for (let i = 0; i < 50; i++) await null;
    expect(clock.pendingTimers).toBeGreaterThan(0); // retry backoffs
    await it.return!();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    expect(source.state.closed).toBe(true);
    expect(reasons.length).toBeGreaterThan(0);
    expect(clock.pendingTimers).toBe(0);
    const pulled = source.state.pulled;
    await clock.runAll();
    expect(source.state.pulled).toBe(pulled);
  });

  it('on abort: rejects with an AbortError whose cause is the reason, and cleans up', async () => {
    for (const via of ['options', 'context'] as const) {
      const tracked = trackedAbortController();
      const controller = tracked.controller;
      const aborted: number[] = [];
      const source = endlessSource();
      const stage = adaptiveMap(
        (x: number, { signal }) =>
          new Promise<number>((resolve, reject) => {
            if (x < 3) resolve(x);
            // Items 3..7 fill all five slots; once the last has started, abort.
            if (x === 7) queueMicrotask(() => controller.abort(new Error('stop')));
            signal.addEventListener('abort', () => {
              aborted.push(x);
              reject(signal.reason);
            });
          }),
        { algorithm: fixedLimit(5), ...(via === 'options' ? { signal: tracked.signal } : {}) },
      );
      const it = stage(source.iterable, via === 'context' ? { signal: tracked.signal } : {});
      const seen: number[] = [];
      let caught: unknown;
      try {
        for await (const x of it) seen.push(x);
      } catch (error) {
        caught = error;
      }
      expect((caught as Error).name).toBe('AbortError');
      expect(((caught as Error).cause as Error).message).toBe('stop');
      expect(seen).toEqual([0, 1, 2]);
      expect(aborted.sort()).toEqual([3, 4, 5, 6, 7]);
      for (let i = 0; i < 10; i++) await null;
      expect(source.state.closed).toBe(true);
      expect(tracked.listeners()).toBe(0);
    }
  });

  it('an already aborted signal rejects at the first next()', async () => {
    const stage = adaptiveMap(async (x: number) => x, { signal: AbortSignal.abort('early') });
    await expect(stage([1, 2]).next()).rejects.toMatchObject({
      name: 'AbortError',
      cause: 'early',
    });
  });
});

describe('adaptiveMap: observability and options', () => {
  it('onLimitChange reports admitted-limit changes until disposed; a throwing listener is ignored', async () => {
    const clock = new VirtualClock();
    const dropped = new Set<number>();
    const stage = adaptiveMap(
      async (x: number) => {
        await clock.sleep(10);
        // Items 0-2 are dropped on their first attempt only.
        if (x < 3 && !dropped.has(x)) {
          dropped.add(x);
          throw new Error('429');
        }
        return x;
      },
      {
        algorithm: aimdLimit({ backoff: 0.5 }),
        initial: 8,
        clock,
        classify: ({ error }) => (error ? 'drop' : 'success'),
      },
    );
    const changes: [number, number][] = [];
    stage.onLimitChange(() => {
      throw new Error('listener bug');
    });
    const dispose = stage.onLimitChange((limit, previous) => changes.push([limit, previous]));
    const out = await drainWithClock(clock, stage(range(20)), 10);
    expect(out).toHaveLength(20);
    expect(changes[0]).toEqual([4, 8]);
    for (const [limit, previous] of changes) expect(limit).not.toBe(previous);
    dispose();
    const count = changes.length;
    await drainWithClock(clock, stage(range(5)), 10);
    expect(changes.length).toBe(count);
    const stats = stage.stats();
    expect(stats.latencyP50Ms).toBe(10);
    expect(stats.dropped).toBeGreaterThan(0);
  });

  it('exposes the controller baseline in stats()', async () => {
    const clock = new VirtualClock();
    const stage = adaptiveMap(
      async (x: number) => {
        await clock.sleep(100);
        return x;
      },
      { clock },
    );
    await drainWithClock(clock, stage(range(200)), 100);
    expect(stage.stats().baselineMs).toBe(100);
  });

  it('times one call in 64 once calls take under 50 us, every call when they are slower or classify is set', async () => {
    const reads = { n: 0 };
    const clock = new VirtualClock();
    const counting = {
      now: () => {
        reads.n++;
        return clock.now();
      },
      sleep: (ms: number, signal?: AbortSignal) => clock.sleep(ms, signal),
    };
    const fast = adaptiveMap(async (x: number) => x, { algorithm: fixedLimit(4), clock: counting });
    for await (const _ of fast(range(1600))) {
      // drain
    }
    // The first call is timed (stride 1), then one in 64: two reads per timed call.
    expect(reads.n).toBeGreaterThanOrEqual(50);
    expect(reads.n).toBeLessThan(70);
    expect(fast.stats().latencyP50Ms).toBe(0);

    reads.n = 0;
    const classified = adaptiveMap(async (x: number) => x, {
      algorithm: fixedLimit(4),
      clock: counting,
      classify: () => 'success',
    });
    for await (const _ of classified(range(100))) {
      // drain
    }
    expect(reads.n).toBe(200);

    reads.n = 0;
    const slow = adaptiveMap(
      async (x: number) => {
        await clock.sleep(1);
        return x;
      },
      { algorithm: fixedLimit(4), clock: counting },
    );
    await drainWithClock(clock, slow(range(100)), 1);
    expect(reads.n).toBeGreaterThanOrEqual(200);
  });

  it('validates every option at once', () => {
    const fn = (x: number) => x;
    expect(() => adaptiveMap('x' as never)).toThrow(TypeError);
    expect(() => adaptiveMap(fn, { min: 0 })).toThrow(RangeError);
    expect(() => adaptiveMap(fn, { min: 0 })).toThrow(
      'Expected `min` to be an integer from 1 and up, got 0',
    );
    expect(() => adaptiveMap(fn, { min: 10, max: 5 })).toThrow(/`max` to be an integer from 10/);
    expect(() => adaptiveMap(fn, { initial: 101 })).toThrow(
      /`initial` to be an integer from 1 to 100/,
    );
    expect(() => adaptiveMap(fn, { ordered: 1 as never })).toThrow(TypeError);
    expect(() => adaptiveMap(fn, { limit: {} as LimitAlgorithm })).toThrow(/`limit.create`/);
    expect(() => adaptiveMap(fn, { dropRetries: -1 })).toThrow(RangeError);
    expect(() => adaptiveMap(fn, { classify: 'drop' as never })).toThrow(TypeError);
    expect(() => adaptiveMap(fn, { signal: {} as AbortSignal })).toThrow(TypeError);
    expect(() => adaptiveMap(fn, { clock: {} as never })).toThrow(TypeError);
    expect(() => adaptiveMap(fn)(null as never)).toThrow(TypeError);
  });
});
