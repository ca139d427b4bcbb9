import { pipeline } from 'node:stream/promises';
import { pipe } from 'it-pipe';
import { describe, expect, it } from 'vitest';
import {
  breakerGate,
  CircuitIsolatedError,
  CircuitOpenError,
  circuitBreaker,
  retry,
  type StateChange,
} from '../../src/index.js';
import { countingClock, trackedAbortController, VirtualClock } from '../../src/testing/index.js';
import { range, trackedSource, trackedSyncSource } from '../helpers/sources.js';

function source(count: number, opts: { async?: boolean } = {}) {
  return opts.async === false ? trackedSyncSource(range(count)) : trackedSource(range(count));
}

/** A solver that fails its first `failures` calls, recording when and in which state it ran. */
function flakySolver(failures: number, clock: VirtualClock, state: () => string) {
  const calls: { at: number; state: string; item: number }[] = [];
  const fn = async (item: number): Promise<string> => {
    calls.push({ at: clock.now(), state: state(), item });
    if (calls.length <= failures) throw new Error(`ERROR_SERVICE_DOWN ${calls.length}`);
    return `token-${item}`;
  };
  return { fn, calls };
}

function openIntervals(log: StateChange[]): [number, number][] {
  return log.filter((c) => c.to === 'open').map((c) => [c.at, c.openUntil!]);
}

async function runWithClock<T>(clock: VirtualClock, work: Promise<T>): Promise<T> {
  let done = false;
  const tracked = work.finally(() => {
    done = true;
  });
  tracked.catch(() => {});
  for (let i = 0; !done; i++) {
    if (i > 10_000) throw new Error('the pipeline never finished');
    const next = clock.nextTimerAt();
    await clock.advance(next === undefined ? 1 : Math.max(0, next - clock.now()));
  }
  return tracked;
}

/**
 * The gate scenario: a breaker that opens after 5 failures for 10 s (its state changes logged)
 * and a solver, wrapped with it, that fails its first 5 calls.
 */
function gateScenario() {
  const clock = new VirtualClock();
  const breaker = circuitBreaker({ failureThreshold: 5, resetTimeout: 10_000, clock });
  const log: StateChange[] = [];
  breaker.onStateChange((_, c) => log.push(c));
  const solver = flakySolver(5, clock, () => breaker.state);
  return { clock, breaker, log, solver, solve: breaker.wrap(solver.fn) };
}

describe('breakerGate: the gate scenario (fails 5 times, then recovers)', () => {
  it('sequential consumer: every item reaches the sink, 0 calls while open, completes', async () => {
    const { clock, breaker, log, solver, solve } = gateScenario();
    const src = source(20);
    const sink: { item: number; ok: boolean; pulledWhileOpen?: number }[] = [];
    let pullsAtOpen = -1;
    breaker.onStateChange((_, c) => {
      if (c.to === 'open') pullsAtOpen = src.state.pulled;
    });
    const work = (async () => {
      for await (const item of breakerGate<number>(breaker)(src.iterable)) {
        try {
          await solve(item);
          sink.push({ item, ok: true });
        } catch {
          sink.push({ item, ok: false });
        }
      }
    })();
    // While open, the gate does not pull: check mid-way, just before the open time ends.
    await clock.advance(9_999);
    expect(breaker.state).toBe('open');
    expect(src.state.pulled).toBe(pullsAtOpen);
    expect(src.state.pulled).toBe(5);
    await runWithClock(clock, work);
    expect(sink.map((s) => s.item)).toEqual([...Array(20).keys()]);
    expect(sink.filter((s) => !s.ok).map((s) => s.item)).toEqual([0, 1, 2, 3, 4]);
    expect(solver.calls).toHaveLength(20);
    expect(solver.calls.filter((c) => c.state === 'open')).toEqual([]);
    for (const [from, until] of openIntervals(log)) {
      expect(solver.calls.filter((c) => c.at > from && c.at < until)).toEqual([]);
    }
    expect(log.map((c) => `${c.from}>${c.to}`)).toEqual([
      'closed>open',
      'open>half-open',
      'half-open>closed',
    ]);
    expect(src.state.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('with retry: every item is solved, in order, in node pipeline()', async () => {
    const { clock, breaker, log, solver, solve } = gateScenario();
    const tokens: string[] = [];
    const src = source(20);
    const work = pipeline(
      src.iterable,
      breakerGate<number>(breaker),
      async function* (items: AsyncIterable<number>) {
        for await (const item of items) {
          yield await retry(() => solve(item), { attempts: 10, initialDelay: 100, clock });
        }
      },
      async (tokensIn: AsyncIterable<string>) => {
        for await (const t of tokensIn) tokens.push(t);
      },
    );
    await runWithClock(clock, work);
    expect(tokens).toEqual([...Array(20).keys()].map((i) => `token-${i}`));
    expect(solver.calls.filter((c) => c.state === 'open')).toEqual([]);
    for (const [from, until] of openIntervals(log)) {
      expect(solver.calls.filter((c) => c.at > from && c.at < until)).toEqual([]);
    }
    expect(breaker.state).toBe('closed');
    expect(src.state.closed).toBe(true);
  });
});

describe('breakerGate: half-open admission', () => {
  it('passes at most `concurrency` items at once and `trials` per episode; calls claim the reservations', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({
      failureThreshold: 1,
      resetTimeout: 100,
      halfOpen: { trials: 3, concurrency: 2 },
      clock,
    });
    await breaker
      .wrap(() => Promise.reject(new Error('down')))()
      .catch(() => {});
    const src = source(10);
    const gate = breakerGate<number>(breaker)(src.iterable);
    const results: number[] = [];
    const pending = [gate.next(), gate.next(), gate.next(), gate.next()];
    for (const p of pending) p.then((r) => results.push(r.value as number));
    await clock.advance(99);
    expect(results).toEqual([]);
    expect(src.state.pulled).toBe(0);
    await clock.advance(1); // the gate wakes by itself at the end of the open time
    expect(results).toEqual([0, 1]);
    expect(breaker.stats().halfOpen).toMatchObject({ admitted: 2, reserved: 2, active: 0 });
    const resolvers: (() => void)[] = [];
    const call = breaker.wrap(() => new Promise<void>((resolve) => resolvers.push(resolve)));
    const c0 = call();
    const c1 = call();
    expect(breaker.stats().halfOpen).toMatchObject({ admitted: 2, reserved: 0, active: 2 });
    await expect(call()).rejects.toBeInstanceOf(CircuitOpenError); // no reservation, no slot
    resolvers[0]!();
    await c0;
    await clock.advance(0);
    expect(results).toEqual([0, 1, 2]); // a slot freed: the third trial
    const c2 = call();
    await clock.advance(0);
    expect(results).toEqual([0, 1, 2]); // trials exhausted: the fourth waits for the decision
    resolvers[1]!();
    resolvers[2]!();
    await Promise.all([c1, c2]);
    await clock.advance(0);
    expect(breaker.state).toBe('closed');
    expect(results).toEqual([0, 1, 2, 3]);
    await gate.return!();
    expect(src.state.closed).toBe(true);
  });

  it('holds an item pulled just before the breaker opened until it may pass', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ failureThreshold: 1, resetTimeout: 500, clock });
    let release!: () => void;
    async function* slowSource() {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      yield 'late';
    }
    const gate = breakerGate<string>(breaker)(slowSource());
    let got: IteratorResult<string> | undefined;
    gate.next().then((r) => {
      got = r;
    });
    await clock.advance(0);
    await breaker
      .wrap(() => Promise.reject(new Error('down')))()
      .catch(() => {});
    expect(breaker.state).toBe('open');
    release();
    await clock.advance(499);
    expect(got).toBeUndefined(); // pulled, but held while open
    expect(breaker.stats().halfOpen.reserved).toBe(0);
    await clock.advance(1);
    expect(got).toEqual({ done: false, value: 'late' });
    expect(breaker.stats().halfOpen).toMatchObject({ admitted: 1, reserved: 1 });
  });
});

describe('breakerGate: the hot path over a sync source', () => {
  it('checks the breaker after the pull too: an item whose pull opened it is held until it may pass', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ failureThreshold: 1, resetTimeout: 500, clock });
    const fail = breaker.wrap(() => {
      throw new Error('down');
    });
    let returned = false;
    function* tripping() {
      try {
        yield 0;
        fail().catch(() => {}); // the failure is recorded synchronously, inside this pull
        yield 1;
        yield 2;
      } finally {
        returned = true;
      }
    }
    const gate = breakerGate<number>(breaker);
    const it = gate(tripping());
    expect(await it.next()).toEqual({ done: false, value: 0 });
    let got: IteratorResult<number> | undefined;
    void it.next().then((r) => {
      got = r;
    });
    await clock.advance(0);
    expect(breaker.state).toBe('open');
    await clock.advance(499);
    expect(got).toBeUndefined(); // pulled in place, held while open
    await clock.advance(1);
    expect(got).toEqual({ done: false, value: 1 });
    expect(gate.stats()).toMatchObject({ passed: 2, waits: 1, discarded: 0 });
    await it.return!();
    expect(returned).toBe(true);
  });
});

describe('breakerGate: reservations', () => {
  it('gives a reserved trial slot back when the run stops before the item could pass', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ failureThreshold: 1, resetTimeout: 10, clock });
    await breaker
      .wrap(() => Promise.reject(new Error('down')))()
      .catch(() => {});
    await clock.advance(10);
    let deliver!: (r: IteratorResult<number>) => void;
    let returned = false;
    const manual: AsyncIterableIterator<number> = {
      next: () =>
        new Promise<IteratorResult<number>>((resolve) => {
          deliver = resolve;
        }),
      return: async () => {
        returned = true;
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    const gate = breakerGate<number>(breaker);
    const it = gate(manual);
    const first = it.next();
    await clock.advance(0);
    expect(breaker.stats().halfOpen).toMatchObject({ admitted: 1, reserved: 1 });
    await it.return!();
    expect(returned).toBe(true);
    deliver({ done: false, value: 7 }); // the pull finishes after the consumer left
    expect(await first).toEqual({ done: true, value: undefined });
    expect(breaker.stats().halfOpen).toMatchObject({ admitted: 0, reserved: 0 });
    expect(gate.stats().discarded).toBe(1);
    await expect(breaker.wrap(async () => 'trial')()).resolves.toBe('trial'); // the slot is free
    expect(breaker.state).toBe('closed');
  });
});

describe('breakerGate: isolated', () => {
  it("'wait' holds the flow until reset()", async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ clock });
    breaker.isolate();
    const src = source(3);
    const gate = breakerGate<number>(breaker)(src.iterable);
    let first: IteratorResult<number> | undefined;
    gate.next().then((r) => {
      first = r;
    });
    await clock.advance(1e9);
    expect(first).toBeUndefined();
    expect(src.state.pulled).toBe(0);
    breaker.reset();
    await clock.advance(0);
    expect(first).toEqual({ done: false, value: 0 });
    await gate.return!();
  });

  it("'throw' ends the run with CircuitIsolatedError carrying the fatal error, after returning the source", async () => {
    const clock = new VirtualClock();
    const fatal = new Error('ERROR_KEY_DOES_NOT_EXIST');
    const breaker = circuitBreaker({ clock, isFailure: (e) => (e === fatal ? 'fatal' : true) });
    const src = source(5);
    const seen: number[] = [];
    const run = (async () => {
      for await (const item of breakerGate<number>(breaker, { whenIsolated: 'throw' })(
        src.iterable,
      )) {
        seen.push(item);
        if (item === 1)
          await breaker
            .wrap(() => Promise.reject(fatal))()
            .catch(() => {});
      }
    })();
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitIsolatedError);
    expect((error as Error).cause).toBe(fatal);
    expect(seen).toEqual([0, 1]);
    expect(src.state.closed).toBe(true);
  });
});

describe('breakerGate: cleanup', () => {
  it('early exit while waiting: source returned, timer cleared, listeners removed', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ failureThreshold: 1, resetTimeout: 60_000, clock });
    const src = source(10);
    const gate = breakerGate<number>(breaker);
    const it1 = gate(src.iterable);
    expect(await it1.next()).toEqual({ done: false, value: 0 });
    await breaker
      .wrap(() => Promise.reject(new Error('down')))()
      .catch(() => {});
    const waiting = it1.next();
    await clock.advance(10);
    expect(clock.pendingTimers).toBe(1);
    await it1.return!();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(src.state.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect(await it1.next()).toEqual({ done: true, value: undefined });
    expect(gate.stats()).toMatchObject({ passed: 1, waits: 1, state: 'open' });
  });

  it('abort while waiting on the real clock: AbortError, source returned, no handle left', async () => {
    const clock = countingClock(); // the real clock, counting its pending sleeps
    const breaker = circuitBreaker({ failureThreshold: 1, resetTimeout: 60_000, clock });
    const src = source(10);
    const tracked = trackedAbortController();
    const controller = tracked.controller;
    const seen: number[] = [];
    const run = (async () => {
      for await (const x of breakerGate<number>(breaker)(src.iterable, {
        signal: tracked.signal,
      })) {
        seen.push(x);
        await breaker
          .wrap(() => Promise.reject(new Error('down')))()
          .catch(() => {});
      }
    })();
    run.catch(() => {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(breaker.state).toBe('open');
    expect(clock.pendingSleeps()).toBe(1); // the wake-up timer
    controller.abort(new Error('shutdown'));
    await expect(run).rejects.toMatchObject({ name: 'AbortError', code: 'ERR_BPK_ABORTED' });
    expect(seen).toEqual([0]);
    expect(src.state.closed).toBe(true);
    expect(src.state.pulled).toBe(1);
    expect(clock.pendingSleeps()).toBe(0);
    expect(tracked.listeners()).toBe(0);
  });

  it('a source error reaches the consumer unchanged; a sync source works the same', async () => {
    const breaker = circuitBreaker({ clock: new VirtualClock() });
    const failure = new Error('source broke');
    async function* broken() {
      yield 1;
      throw failure;
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const x of breakerGate<number>(breaker)(broken())) seen.push(x);
      })(),
    ).rejects.toBe(failure);
    expect(seen).toEqual([1]);
    const out: number[] = [];
    await pipe(source(5, { async: false }).iterable, breakerGate<number>(breaker), async (s) => {
      for await (const x of s) out.push(x);
    });
    expect(out).toEqual([0, 1, 2, 3, 4]);
  });

  it('concurrent next() calls are served in order, each item once', async () => {
    const breaker = circuitBreaker({ clock: new VirtualClock() });
    for (const async of [true, false]) {
      const it = breakerGate<number>(breaker)(source(5, { async }).iterable);
      const results = await Promise.all(Array.from({ length: 7 }, () => it.next()));
      expect(results.map((r) => (r.done ? 'done' : r.value))).toEqual([
        0,
        1,
        2,
        3,
        4,
        'done',
        'done',
      ]);
    }
  });

  it('accepts breaker options and exposes the breaker it made', () => {
    const gate = breakerGate<number>({ failureThreshold: 2 });
    expect(gate.breaker.state).toBe('closed');
    expect(() => breakerGate<number>({ failureThreshold: 0 })).toThrow(RangeError);
    expect(() => breakerGate<number>(undefined, { whenIsolated: 'panic' as never })).toThrow(
      /whenIsolated/,
    );
  });
});
