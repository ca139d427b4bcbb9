import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  CircuitIsolatedError,
  CircuitOpenError,
  circuitBreaker,
  hasErrorCode,
  InvalidOptionTypeError,
  InvalidOptionValueError,
  type StateChange,
} from '../../src/index.js';
import { countingClock, trackedAbortController, VirtualClock } from '../../src/testing/index.js';

const boom = (): Promise<never> => Promise.reject(new Error('boom'));
const ok = (): Promise<string> => Promise.resolve('ok');

function controllable(): { promise: Promise<string>; resolve(): void; reject(e: unknown): void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = () => res('done');
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('circuitBreaker: options', () => {
  it('validates at factory time with typed errors naming the dotted option', () => {
    expect(() => circuitBreaker({ failureThreshold: 0 })).toThrow(InvalidOptionValueError);
    expect(() => circuitBreaker({ failureThreshold: '5' as never })).toThrow(
      InvalidOptionTypeError,
    );
    expect(() => circuitBreaker({ halfOpen: { trials: 2, concurrency: 3 } })).toThrow(
      /`halfOpen.concurrency` to be an integer from 1 to 2, got 3/,
    );
    expect(() => circuitBreaker({ window: { kind: 'count', size: 5 }, minimumCalls: 6 })).toThrow(
      /minimumCalls/,
    );
    expect(() => circuitBreaker({ window: { kind: 'hours' as never, size: 5 } })).toThrow(
      /window.kind/,
    );
    expect(() => circuitBreaker({ failureRate: 0 })).toThrow(RangeError);
    expect(() => circuitBreaker({ failureRate: 1.5 })).toThrow(RangeError);
    expect(() => circuitBreaker({ resetTimeout: -1 })).toThrow(RangeError);
    expect(() => circuitBreaker({ halfOpen: { deadlineMs: Number.NaN } })).toThrow(RangeError);
    expect(() => circuitBreaker({ clock: {} as never })).toThrow(TypeError);
    expect(() => circuitBreaker(null as never)).toThrow(TypeError);
    expect(() => circuitBreaker({ isFailure: 1 as never })).toThrow(TypeError);
    expect(() => circuitBreaker({ initialState: { state: 'weird' } as never })).toThrow(
      /initialState.state/,
    );
  });

  it('defaults: 5 consecutive failures, 30 s open, one trial', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ clock });
    const call = breaker.wrap(boom);
    for (let i = 0; i < 4; i++) await expect(call()).rejects.toThrow('boom');
    expect(breaker.state).toBe('closed');
    await expect(call()).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    await clock.advance(29_999);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    expect(breaker.state).toBe('half-open');
    await breaker.wrap(ok)();
    expect(breaker.state).toBe('closed');
  });
});

describe('circuitBreaker: B1 open refuses without calling fn', () => {
  it('rejects with CircuitOpenError carrying the remaining time, fn called 0 times', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ failureThreshold: 2, resetTimeout: 1_000, clock });
    let calls = 0;
    const call = breaker.wrap(async (fail: boolean) => {
      calls++;
      if (fail) throw new Error('down');
      return 'up';
    });
    await expect(call(true)).rejects.toThrow('down');
    await expect(call(true)).rejects.toThrow('down');
    expect(calls).toBe(2);
    await clock.advance(400);
    const error = await call(false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(hasErrorCode(error, 'ERR_BPK_CIRCUIT_OPEN')).toBe(true);
    expect((error as CircuitOpenError).retryAfter).toBe(600);
    expect((error as CircuitOpenError).name).toBe('CircuitOpenError');
    await clock.advance(599);
    await expect(call(false)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls).toBe(2);
    await clock.advance(1);
    await expect(call(false)).resolves.toBe('up');
    expect(calls).toBe(3);
  });
});

describe('circuitBreaker: B2 half-open trials and concurrency', () => {
  it('admits at most `trials` in total and `concurrency` at once, then closes', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({
      failureThreshold: 1,
      resetTimeout: 10,
      halfOpen: { trials: 3, concurrency: 2 },
      clock,
    });
    await breaker
      .wrap(boom)()
      .catch(() => {});
    await clock.advance(10);
    const pending = [controllable(), controllable(), controllable(), controllable()];
    const call = breaker.wrap((i: number) => pending[i]!.promise);
    const a = call(0);
    const b = call(1);
    const error = await call(2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect((error as CircuitOpenError).state).toBe('half-open');
    pending[0]!.resolve();
    await a;
    const c = call(2);
    await expect(call(3)).rejects.toBeInstanceOf(CircuitOpenError); // 3 trials in total
    expect(breaker.stats().halfOpen).toMatchObject({ admitted: 3, active: 2 });
    pending[1]!.resolve();
    pending[2]!.resolve();
    await Promise.all([b, c]);
    expect(breaker.state).toBe('closed');
  });

  it('a failed trial reopens at once', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({
      failureThreshold: 1,
      resetTimeout: 10,
      halfOpen: { trials: 3 },
      clock,
    });
    await breaker
      .wrap(boom)()
      .catch(() => {});
    await clock.advance(10);
    await breaker
      .wrap(boom)()
      .catch(() => {});
    expect(breaker.state).toBe('open');
  });
});

describe('circuitBreaker: B3 opening rules', () => {
  it('consecutive: a success in between restarts the count', async () => {
    const breaker = circuitBreaker({ failureThreshold: 3, clock: new VirtualClock() });
    const fail = breaker.wrap(boom);
    const succeed = breaker.wrap(ok);
    await fail().catch(() => {});
    await fail().catch(() => {});
    await succeed();
    await fail().catch(() => {});
    await fail().catch(() => {});
    expect(breaker.state).toBe('closed');
    await fail().catch(() => {});
    expect(breaker.state).toBe('open');
  });

  it('rate over a count window: only with at least minimumCalls calls', async () => {
    const breaker = circuitBreaker({
      window: { kind: 'count', size: 10 },
      minimumCalls: 4,
      failureRate: 0.5,
      clock: new VirtualClock(),
    });
    const fail = breaker.wrap(boom);
    const succeed = breaker.wrap(ok);
    await fail().catch(() => {});
    await fail().catch(() => {});
    await fail().catch(() => {});
    expect(breaker.state).toBe('closed'); // 3 calls < minimumCalls, even at 100 %
    await succeed();
    expect(breaker.state).toBe('closed'); // a success never opens it
    await fail().catch(() => {});
    expect(breaker.state).toBe('open'); // 4 of 5 failed
  });

  it('slow-call rate opens it even when every call succeeds', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({
      window: { kind: 'count', size: 4 },
      minimumCalls: 2,
      slowCallMs: 100,
      slowCallRate: 1,
      clock,
    });
    const slow = breaker.wrap(() => clock.sleep(150));
    const p1 = slow();
    const p2 = slow();
    await clock.advance(150);
    await Promise.all([p1, p2]);
    expect(breaker.state).toBe('open');
    expect(breaker.stats().slowCalls).toBe(2);
  });

  it("'overload' and ignored errors never open it; 'fatal' isolates", async () => {
    const clock = new VirtualClock();
    const fatal = new Error('ERROR_WRONG_USER_KEY');
    const breaker = circuitBreaker({
      failureThreshold: 1,
      clock,
      isFailure: (e) =>
        e === fatal
          ? 'fatal'
          : (e as Error).message === 'busy'
            ? 'overload'
            : (e as Error).message !== 'bad input',
    });
    const call = breaker.wrap(async (e: Error) => {
      throw e;
    });
    for (let i = 0; i < 5; i++) await call(new Error('busy')).catch(() => {});
    await call(new Error('bad input')).catch(() => {});
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ overloads: 5, ignored: 1, failures: 0 });
    await call(fatal).catch(() => {});
    expect(breaker.state).toBe('isolated');
    const error = await call(new Error('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitIsolatedError);
    expect((error as CircuitIsolatedError).cause).toBe(fatal);
    expect((error as CircuitIsolatedError).code).toBe('ERR_BPK_CIRCUIT_ISOLATED');
    await clock.advance(1e9);
    expect(breaker.state).toBe('isolated');
    breaker.reset();
    expect(breaker.state).toBe('closed');
  });

  it('aborts are not failures by default', async () => {
    const breaker = circuitBreaker({ failureThreshold: 1, clock: new VirtualClock() });
    await breaker
      .wrap(() => Promise.reject(new AbortedError()))()
      .catch(() => {});
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().ignored).toBe(1);
  });
});

describe('circuitBreaker: B4 time windows', () => {
  it('an idle gap longer than the window clears every bucket (no stale counts)', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({
      window: { kind: 'time', size: 1_000, buckets: 10 },
      minimumCalls: 4,
      failureRate: 0.5,
      clock,
    });
    const fail = breaker.wrap(boom);
    for (let i = 0; i < 3; i++) await fail().catch(() => {});
    expect(breaker.stats().window).toEqual({ calls: 3, failures: 3, slow: 0 });
    await clock.advance(1_000); // every old sample is now exactly 1 s old: out
    expect(breaker.stats().window.calls).toBe(0);
    await fail().catch(() => {});
    expect(breaker.state).toBe('closed'); // 1 call, not 4
    await clock.advance(5_350); // a gap of several windows, not a multiple of the bucket
    for (let i = 0; i < 3; i++) await fail().catch(() => {});
    expect(breaker.state).toBe('closed');
    await fail().catch(() => {});
    expect(breaker.state).toBe('open');
  });

  it('samples younger than the window still count', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({
      window: { kind: 'time', size: 1_000, buckets: 10 },
      minimumCalls: 2,
      clock,
    });
    await breaker
      .wrap(boom)()
      .catch(() => {});
    await clock.advance(899);
    await breaker
      .wrap(boom)()
      .catch(() => {});
    expect(breaker.state).toBe('open');
  });
});

describe('circuitBreaker: B5 permits', () => {
  it('released exactly once on success, throw, synchronous throw and abort', async () => {
    const breaker = circuitBreaker({ failureThreshold: 100, clock: new VirtualClock() });
    await breaker.wrap(ok)();
    await breaker
      .wrap(boom)()
      .catch(() => {});
    await breaker
      .wrap(() => {
        throw new Error('sync');
      })()
      .catch(() => {});
    const controller = new AbortController();
    const hanging = controllable();
    const aborted = breaker.execute(() => hanging.promise, { signal: controller.signal });
    expect(breaker.stats().inFlight).toBe(1);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    hanging.resolve(); // fn settles later: the permit is released now, once
    await hanging.promise;
    await Promise.resolve();
    const stats = breaker.stats();
    expect(stats.inFlight).toBe(0);
    expect(stats.admitted).toBe(4);
    expect(stats.successes + stats.failures + stats.ignored).toBe(4);
    const permit = breaker.acquire();
    permit.success();
    permit.failure(new Error('again'));
    permit.release();
    expect(breaker.stats()).toMatchObject({ inFlight: 0, admitted: 5, successes: 2 });
  });

  it('execute rejects at once when the signal already aborted, without taking a permit', async () => {
    const breaker = circuitBreaker({ clock: new VirtualClock() });
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    let called = false;
    await expect(
      breaker.execute(
        async () => {
          called = true;
        },
        { signal: controller.signal },
      ),
    ).rejects.toMatchObject({ name: 'AbortError', code: 'ERR_BPK_ABORTED' });
    expect(called).toBe(false);
    expect(breaker.stats().admitted).toBe(0);
  });

  it("execute leaves no listener on the caller's signal once its calls settled", async () => {
    const breaker = circuitBreaker({ failureThreshold: 100, clock: new VirtualClock() });
    const tracked = trackedAbortController();
    const held = controllable();
    const calls = [
      ...Array.from({ length: 20 }, () => breaker.execute(ok, { signal: tracked.signal })),
      ...Array.from({ length: 5 }, () =>
        breaker.execute(boom, { signal: tracked.signal }).catch(() => {}),
      ),
      breaker.execute(() => held.promise, { signal: tracked.signal }),
    ];
    expect(tracked.listeners()).toBeGreaterThan(0);
    held.resolve();
    await Promise.all(calls);
    expect(tracked.listeners()).toBe(0);
    expect(breaker.stats()).toMatchObject({ inFlight: 0, successes: 21, failures: 5 });
  });

  it("execute hands fn the caller's own signal outside a trial, and a following one in a trial", async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({
      failureThreshold: 1,
      resetTimeout: 100,
      halfOpen: { deadlineMs: 500 },
      clock,
    });
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    await breaker.execute(
      ({ signal }) => {
        seen = signal;
      },
      { signal: caller.signal },
    );
    expect(seen).toBe(caller.signal);
    await breaker
      .wrap(boom)()
      .catch(() => {});
    await clock.advance(100);
    const hanging = controllable();
    const trial = breaker.execute(
      ({ signal }) => {
        seen = signal;
        return hanging.promise;
      },
      { signal: caller.signal },
    );
    expect(seen).not.toBe(caller.signal);
    expect(seen?.aborted).toBe(false);
    caller.abort(new Error('caller stops'));
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(caller.signal.reason);
    await expect(trial).rejects.toMatchObject({ name: 'AbortError' });
    hanging.resolve();
    await hanging.promise;
    await Promise.resolve();
    expect(breaker.stats().inFlight).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('circuitBreaker: B6 half-open deadline', () => {
  it('a hung trial counts as a failure at the deadline, and its signal aborts', async () => {
    const clock = new VirtualClock();
    const changes: StateChange[] = [];
    const breaker = circuitBreaker({
      failureThreshold: 1,
      resetTimeout: 100,
      halfOpen: { deadlineMs: 500 },
      clock,
    });
    breaker.onStateChange((_, c) => changes.push(c));
    await breaker
      .wrap(boom)()
      .catch(() => {});
    await clock.advance(100);
    let trialSignal: AbortSignal | undefined;
    const trial = breaker.execute(({ signal }) => {
      trialSignal = signal;
      return new Promise((_, reject) =>
        signal?.addEventListener('abort', () => reject(signal.reason)),
      );
    });
    const trialResult = trial.catch((e: unknown) => e);
    await clock.advance(499);
    expect(breaker.state).toBe('half-open');
    expect(trialSignal?.aborted).toBe(false);
    await clock.advance(1);
    expect(trialSignal?.aborted).toBe(true);
    expect(await trialResult).toMatchObject({ name: 'AbortError' });
    expect(breaker.state).toBe('open');
    expect(changes.map((c) => `${c.from}>${c.to}:${c.reason}`)).toEqual([
      'closed>open:failures',
      'open>half-open:open-timeout',
      'half-open>open:half-open-deadline',
    ]);
    expect(breaker.stats().inFlight).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('circuitBreaker: real clock', () => {
  it('a half-open trial through execute leaves no deadline timer behind', async () => {
    // the real clock, counted per breaker: the deadline timer is armed during the trial and
    // cleared once it settles
    const clock = countingClock();
    const breaker = circuitBreaker({
      failureThreshold: 1,
      resetTimeout: 0,
      halfOpen: { deadlineMs: 60_000 },
      clock,
    });
    await breaker
      .wrap(boom)()
      .catch(() => {});
    expect(breaker.state).toBe('half-open');
    let during = 0;
    await breaker.execute(async () => {
      during = clock.pendingSleeps();
      return 'ok';
    });
    expect(during).toBe(1); // the deadline timer ran while the trial did
    expect(breaker.state).toBe('closed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pendingSleeps()).toBe(0);
  });
});

describe('circuitBreaker: B7 generations', () => {
  it('a success from a call started before the breaker opened never closes it', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ failureThreshold: 1, resetTimeout: 100, clock });
    const straggler = controllable();
    const slow = breaker.wrap(() => straggler.promise)();
    await breaker
      .wrap(boom)()
      .catch(() => {});
    expect(breaker.state).toBe('open');
    straggler.resolve();
    await slow;
    expect(breaker.state).toBe('open');
    await clock.advance(100);
    expect(breaker.state).toBe('half-open');
    // The same straggler pattern in half-open: an old success does not decide the trial.
    const old = controllable();
    const permit = breaker.acquire(); // the half-open trial
    expect(breaker.stats().stale).toBe(1);
    old.resolve();
    expect(breaker.state).toBe('half-open');
    permit.success();
    expect(breaker.state).toBe('closed');
  });
});

describe('circuitBreaker: B8 determinism', () => {
  it('the same calls and times give the same transitions, jitter included', async () => {
    const run = async (): Promise<unknown[]> => {
      const clock = new VirtualClock();
      let seed = 7;
      const random = (): number => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      };
      const breaker = circuitBreaker({
        failureThreshold: 1,
        resetTimeout: 100,
        resetBackoff: { multiplier: 2, jitter: 0.5 },
        random,
        clock,
      });
      const log: unknown[] = [];
      breaker.onStateChange((_, c) => log.push(c));
      for (let i = 0; i < 4; i++) {
        await breaker
          .wrap(boom)()
          .catch(() => {});
        await clock.advance(1_000);
        breaker.state;
      }
      return log;
    };
    const a = await run();
    expect(a.length).toBeGreaterThan(4);
    expect(await run()).toEqual(a);
  });
});

describe('circuitBreaker: open duration', () => {
  it('backs off on consecutive re-opens and resets after a close', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({
      failureThreshold: 1,
      resetTimeout: 100,
      resetBackoff: { multiplier: 3, maxTimeout: 500, jitter: 0 },
      clock,
    });
    const durations: number[] = [];
    breaker.onStateChange((_, c) => {
      if (c.to === 'open') durations.push(c.openUntil! - c.at);
    });
    for (let i = 0; i < 4; i++) {
      await breaker
        .wrap(boom)()
        .catch(() => {});
      await clock.advance(1_000);
    }
    expect(durations).toEqual([100, 300, 500, 500]);
    await breaker.wrap(ok)();
    await breaker
      .wrap(boom)()
      .catch(() => {});
    expect(durations.at(-1)).toBe(100);
  });

  it('jitter shortens by at most the given fraction', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({
      failureThreshold: 1,
      resetTimeout: 1_000,
      resetBackoff: { multiplier: 1, jitter: 0.25 },
      random: () => 0.999,
      clock,
    });
    await breaker
      .wrap(boom)()
      .catch(() => {});
    const remaining = breaker.openUntil! - clock.now();
    expect(remaining).toBeGreaterThan(750);
    expect(remaining).toBeLessThan(1_000);
  });

  it('respects the retryAfter (ms) of the error that opened it', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ failureThreshold: 1, resetTimeout: 100, clock });
    await breaker
      .wrap(() => Promise.reject(Object.assign(new Error('banned'), { retryAfter: 10_000 })))()
      .catch(() => {});
    expect(breaker.openUntil).toBe(10_000);
  });
});

describe('circuitBreaker: control, events, persistence', () => {
  it('isolate() refuses every call until reset(); onStateChange disposer stops events', async () => {
    const breaker = circuitBreaker({ clock: new VirtualClock() });
    const seen: string[] = [];
    const dispose = breaker.onStateChange((state, c) => seen.push(`${state}:${c.to}`));
    breaker.isolate();
    await expect(breaker.wrap(ok)()).rejects.toBeInstanceOf(CircuitIsolatedError);
    dispose();
    breaker.reset();
    expect(seen).toEqual(['isolated:isolated']);
    await expect(breaker.wrap(ok)()).resolves.toBe('ok');
  });

  it('a throwing listener is counted and does not break the breaker', async () => {
    const breaker = circuitBreaker({ failureThreshold: 1, clock: new VirtualClock() });
    breaker.onStateChange(() => {
      throw new Error('listener');
    });
    await breaker
      .wrap(boom)()
      .catch(() => {});
    expect(breaker.state).toBe('open');
    expect(breaker.stats().listenerErrors).toBe(1);
  });

  it('toJSON / initialState keep the remaining open time', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ failureThreshold: 1, resetTimeout: 1_000, clock });
    await breaker
      .wrap(boom)()
      .catch(() => {});
    await clock.advance(300);
    const { savedAt: _savedAt, ...snapshot } = breaker.toJSON();
    expect(snapshot).toEqual({ state: 'open', remainingMs: 700, opens: 1 });
    const clock2 = new VirtualClock(5_000);
    const restored = circuitBreaker({
      initialState: JSON.parse(JSON.stringify(snapshot)),
      clock: clock2,
    });
    expect(restored.state).toBe('open');
    await clock2.advance(699);
    expect(restored.state).toBe('open');
    await clock2.advance(1);
    expect(restored.state).toBe('half-open');
  });

  it('a restore deducts the wall time since savedAt', () => {
    const clock = new VirtualClock();
    const restored = circuitBreaker({
      initialState: { state: 'open', remainingMs: 10_000, opens: 2, savedAt: Date.now() - 4_000 },
      clock,
    });
    const remaining = restored.openUntil!;
    expect(remaining).toBeLessThanOrEqual(6_000);
    expect(remaining).toBeGreaterThan(5_000);
  });

  it('half-open is saved as open with no time left; isolated stays isolated', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ failureThreshold: 1, resetTimeout: 10, clock });
    await breaker
      .wrap(boom)()
      .catch(() => {});
    await clock.advance(10);
    expect(breaker.toJSON()).toMatchObject({ state: 'open', remainingMs: 0, opens: 1 });
    breaker.isolate();
    const restored = circuitBreaker({ initialState: breaker.toJSON(), clock });
    expect(restored.state).toBe('isolated');
  });

  it('wrap keeps `this` and arguments', async () => {
    const breaker = circuitBreaker({ clock: new VirtualClock() });
    const target = {
      base: 10,
      add: breaker.wrap(function (this: { base: number }, a: number, b: number) {
        return this.base + a + b;
      }),
    };
    await expect(target.add(1, 2)).resolves.toBe(13);
  });
});

describe('circuitBreaker: isolation handles', () => {
  it('isolate() returns a handle; disposing it closes the breaker', async () => {
    const breaker = circuitBreaker({ clock: new VirtualClock() });
    const log: StateChange[] = [];
    breaker.onStateChange((_, c) => log.push(c));
    const handle = breaker.isolate();
    await expect(breaker.wrap(ok)()).rejects.toBeInstanceOf(CircuitIsolatedError);
    handle.dispose();
    expect(breaker.state).toBe('closed');
    expect(log.map((c) => `${c.to}:${c.reason}`)).toEqual(['isolated:isolate', 'closed:reset']);
    handle.dispose(); // twice: nothing
    expect(log).toHaveLength(2);
    await expect(breaker.wrap(ok)()).resolves.toBe('ok');
  });

  it('isolations nest: isolated until every handle is disposed, in any order', () => {
    const breaker = circuitBreaker({ clock: new VirtualClock() });
    const a = breaker.isolate();
    const b = breaker.isolate();
    const c = breaker.isolate();
    expect(breaker.stats().generation).toBe(1); // one transition, not three
    b.dispose();
    b.dispose(); // a second dispose of the same handle does not end another isolation
    a.dispose();
    expect(breaker.state).toBe('isolated');
    c.dispose();
    expect(breaker.state).toBe('closed');
  });

  it('reset() ends every isolation; handles disposed afterwards do nothing', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ failureThreshold: 1, clock });
    const old = breaker.isolate();
    breaker.reset();
    expect(breaker.state).toBe('closed');
    await breaker
      .wrap(boom)()
      .catch(() => {});
    expect(breaker.state).toBe('open');
    old.dispose(); // a handle from before the reset cannot close the open breaker
    expect(breaker.state).toBe('open');
    const fresh = breaker.isolate();
    old.dispose();
    expect(breaker.state).toBe('isolated'); // nor end a newer isolation
    fresh.dispose();
    expect(breaker.state).toBe('closed');
  });

  it("a 'fatal' isolation is not ended by disposing handles, only by reset()", async () => {
    const fatal = new Error('ERROR_KEY_DOES_NOT_EXIST');
    const breaker = circuitBreaker({
      clock: new VirtualClock(),
      isFailure: (e) => (e === fatal ? 'fatal' : true),
    });
    const permit = breaker.acquire(); // a call admitted while closed
    const handle = breaker.isolate();
    permit.failure(fatal); // the admitted call fails fatally while the manual isolation holds
    handle.dispose();
    expect(breaker.state).toBe('isolated');
    const refused = await breaker
      .wrap(ok)()
      .catch((e: unknown) => e);
    expect((refused as CircuitIsolatedError).cause).toBe(fatal);
    breaker.reset();
    expect(breaker.state).toBe('closed');
  });
});

describe('circuitBreaker: public face', () => {
  it('wrap and onStateChange refuse a non-function with the typed option error', () => {
    const breaker = circuitBreaker({ clock: new VirtualClock() });
    for (const [call, option] of [
      [() => breaker.wrap('fn' as never), 'fn'],
      [() => breaker.onStateChange(42 as never), 'listener'],
    ] as const) {
      let caught: unknown;
      try {
        call();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidOptionTypeError);
      expect(caught).toBeInstanceOf(TypeError);
      expect(hasErrorCode(caught, 'ERR_BPK_INVALID_OPTION_TYPE')).toBe(true);
      expect(caught).toMatchObject({ option, expected: 'a function' });
    }
  });

  it("keeps the gate's coupling off the object: no reserveTrial, clock, generation …", () => {
    const breaker = circuitBreaker({ clock: new VirtualClock() });
    for (const name of [
      'reserveTrial',
      'cancelReservation',
      'onAdmissionChange',
      'halfOpenDeadline',
      'generation',
      'clock',
    ]) {
      expect(name in breaker).toBe(false);
    }
  });
});
