import { describe, expect, it } from 'vitest';
import { rateLimit, rateLimiter } from '../../src/index.js';
import { countingClock, trackedAbortController, VirtualClock } from '../../src/testing/index.js';
import { range, trackedSource, trackedSyncSource } from '../helpers/sources.js';

const source = (count: number) => trackedSource(range(count));

async function drain<T>(clock: VirtualClock, iterable: AsyncIterable<T>) {
  const out: { value: T; at: number }[] = [];
  let done = false;
  const run = (async () => {
    for await (const value of iterable) out.push({ value, at: clock.now() });
  })().finally(() => {
    done = true;
  });
  while (!done) {
    const next = clock.nextTimerAt();
    await clock.advance(next === undefined ? 0 : next - clock.now());
  }
  await run;
  return out;
}

describe('rateLimit', () => {
  it('passes a burst at once, then one item per interval/rate, dropping nothing', async () => {
    const clock = new VirtualClock();
    const out = await drain(
      clock,
      rateLimit<number>({ rate: 2, interval: 1_000, burst: 3, clock })(source(7).iterable),
    );
    expect(out.map((o) => o.value)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(out.map((o) => o.at)).toEqual([0, 0, 0, 500, 1_000, 1_500, 2_000]);
  });

  it('a provider rule of at most 60 submits in any 3 s holds with rate 55, burst 5', async () => {
    const clock = new VirtualClock();
    const out = await drain(
      clock,
      rateLimit<number>({ rate: 55, interval: 3_000, burst: 5, clock })(source(400).iterable),
    );
    expect(out).toHaveLength(400);
    const times = out.map((o) => o.at);
    let worst = 0;
    for (let i = 0; i < times.length; i++) {
      let j = i;
      while (j + 1 < times.length && times[j + 1]! - times[i]! <= 3_000) j++;
      worst = Math.max(worst, j - i + 1);
    }
    expect(worst).toBeLessThanOrEqual(60);
    expect(worst).toBe(60); // the bound is reached: burst + rate
  });

  it('stage.limiter.wrap and the stage share one bucket; rateLimiter().wrap is the one way to limit a function', async () => {
    const clock = new VirtualClock();
    const stage = rateLimit<number>({ rate: 1, interval: 100, clock });
    // One way to wrap a function per limiter: the stage and the factory carry no `wrap` of their own.
    expect('wrap' in stage).toBe(false);
    expect('wrap' in rateLimit).toBe(false);
    const calls: number[] = [];
    const limited = stage.limiter.wrap(async (x: number) => {
      calls.push(clock.now());
      return x * 2;
    });
    const p = limited(21);
    await clock.advance(0);
    expect(calls).toEqual([0]); // the bucket's single token
    await expect(p).resolves.toBe(42);
    const out = await drain(clock, stage(source(2).iterable));
    expect(out.map((o) => o.at)).toEqual([100, 200]); // the stage waited for the shared bucket
    const viaFirst = rateLimiter({ rate: 1, interval: 50, clock }).wrap(async () => clock.now());
    const viaLimiter = rateLimiter({ rate: 1, interval: 50, clock }).wrap(async () => clock.now());
    const results = Promise.all([viaFirst(), viaFirst(), viaLimiter(), viaLimiter()]);
    await clock.advance(50);
    expect(await results).toEqual([200, 250, 200, 250]);
    expect(stage.stats()).toMatchObject({ passed: 2, delayed: 2, discarded: 0 });
  });

  it('early exit while waiting: source returned, timer cleared', async () => {
    const clock = new VirtualClock();
    const src = source(10);
    const it = rateLimit<number>({ rate: 1, interval: 1_000, clock })(src.iterable);
    expect((await it.next()).value).toBe(0);
    const waiting = it.next();
    await clock.advance(10);
    expect(clock.pendingTimers).toBe(1);
    await it.return!();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(src.state.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('abort on the real clock: AbortError, source returned, no timer or listener left', async () => {
    const clock = countingClock(); // the real clock, counting its pending sleeps
    const tracked = trackedAbortController();
    const src = source(10);
    const seen: number[] = [];
    const run = (async () => {
      const stage = rateLimit<number>({ rate: 1, interval: 60_000, clock });
      for await (const x of stage(src.iterable, { signal: tracked.signal })) seen.push(x);
    })();
    run.catch(() => {});
    while (clock.pendingSleeps() === 0) await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([0]); // the second item waits for a token, on a real timer
    expect(tracked.listeners()).toBeGreaterThan(0);
    tracked.controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(src.state.closed).toBe(true);
    expect(clock.pendingSleeps()).toBe(0);
    expect(tracked.listeners()).toBe(0);
  });

  it('options.signal aborts a waiting run with an AbortError', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const src = source(10);
    const it = rateLimit<number>({ rate: 1, interval: 1_000, clock, signal: controller.signal })(
      src.iterable,
    );
    await it.next();
    const waiting = it.next();
    waiting.catch(() => {});
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError', code: 'ERR_BPK_ABORTED' });
    expect(src.state.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('over a sync source: a free token passes the item in place, none makes the pulled item wait', async () => {
    const clock = new VirtualClock();
    const stage = rateLimit<number>({ rate: 1, interval: 100, burst: 2, clock });
    const src = trackedSyncSource(range(4));
    const out = await drain(clock, stage(src.iterable));
    expect(out).toEqual([
      { value: 0, at: 0 },
      { value: 1, at: 0 },
      { value: 2, at: 100 },
      { value: 3, at: 200 },
    ]);
    expect(src.state.pulled).toBe(4);
    expect(stage.stats()).toMatchObject({ passed: 4, delayed: 2, discarded: 0 });
  });

  it('concurrent next() calls are served in order, each item once, waiting included', async () => {
    const clock = new VirtualClock();
    const it = rateLimit<number>({ rate: 1, interval: 10, burst: 2, clock })(source(4).iterable);
    const pending = Array.from({ length: 6 }, () => it.next());
    await clock.runAll();
    const results = await Promise.all(pending);
    expect(results.map((r) => (r.done ? 'done' : r.value))).toEqual([0, 1, 2, 3, 'done', 'done']);
    expect(clock.now()).toBe(20);
  });

  it('validates options at factory time', () => {
    expect(() => rateLimit({ rate: 0, interval: 1_000 })).toThrow(RangeError);
    expect(() => rateLimit({ rate: 1, interval: -5 })).toThrow(/`interval`/);
    expect(() => rateLimit({ rate: 1, interval: 1_000, burst: 1.5 })).toThrow(/`burst`/);
    expect(() => rateLimit({ rate: '1' as never, interval: 1_000 })).toThrow(TypeError);
    expect(() => rateLimiter({ rate: 1, interval: 1_000, clock: 5 as never })).toThrow(TypeError);
  });
});

describe('rateLimiter', () => {
  it('an aborted waiter leaves the queue; the next one is served; the timer goes when the queue empties', async () => {
    const clock = new VirtualClock();
    const limiter = rateLimiter({ rate: 1, interval: 100, clock });
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(false);
    const a = new AbortController();
    const first = limiter.acquire({ signal: a.signal });
    const second = limiter.acquire();
    first.catch(() => {});
    expect(limiter.stats().waiting).toBe(2);
    a.abort();
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    await clock.advance(100);
    await expect(second).resolves.toBeUndefined();
    const b = new AbortController();
    const third = limiter.acquire({ signal: b.signal });
    third.catch(() => {});
    expect(clock.pendingTimers).toBe(1);
    b.abort();
    await clock.advance(0);
    expect(clock.pendingTimers).toBe(0);
    expect(limiter.stats()).toMatchObject({ waiting: 0, aborted: 2, admitted: 2 });
  });
});
