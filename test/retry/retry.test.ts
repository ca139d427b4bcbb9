import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  CircuitIsolatedError,
  circuitBreaker,
  InvalidOptionTypeError,
  InvalidOptionValueError,
  RetryExhaustedError,
  retry,
} from '../../src/index.js';
import { countingClock, trackedAbortController, VirtualClock } from '../../src/testing/index.js';

describe('retry', () => {
  it('defaults: 3 attempts in total, full jitter from 100 ms; then RetryExhaustedError with the last error', async () => {
    const clock = new VirtualClock();
    const times: number[] = [];
    const errors = [new Error('a'), new Error('b'), new Error('c')];
    const result = retry(
      ({ attempt }) => {
        times.push(clock.now());
        throw errors[attempt - 1];
      },
      { clock, random: () => 0.5 },
    ).catch((e: unknown) => e);
    await clock.runAll();
    const error = (await result) as RetryExhaustedError;
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error.name).toBe('RetryExhaustedError');
    expect(error.attempts).toBe(3);
    expect(error.cause).toBe(errors[2]);
    expect(times).toEqual([0, 50, 150]); // 0.5 × 100, then 0.5 × 200
  });

  it('rethrows an error retryOn rejects at once, unchanged; retryOn sees attempt numbers', async () => {
    const clock = new VirtualClock();
    const fatal = new Error('ERROR_ZERO_BALANCE');
    const seen: [string, number][] = [];
    let calls = 0;
    const result = retry(
      () => {
        calls++;
        throw calls < 3 ? new Error('ERROR_NO_SLOT_AVAILABLE') : fatal;
      },
      {
        attempts: 10,
        clock,
        retryOn: (error, attempt) => {
          seen.push([(error as Error).message, attempt]);
          return error !== fatal;
        },
      },
    ).catch((e: unknown) => e);
    await clock.runAll();
    expect(await result).toBe(fatal);
    expect(calls).toBe(3);
    expect(seen).toEqual([
      ['ERROR_NO_SLOT_AVAILABLE', 1],
      ['ERROR_NO_SLOT_AVAILABLE', 2],
      ['ERROR_ZERO_BALANCE', 3],
    ]);
  });

  it('honours error.retryAfter (ms) over a shorter backoff', async () => {
    const clock = new VirtualClock();
    const times: number[] = [];
    const result = retry(
      () => {
        times.push(clock.now());
        if (times.length === 1)
          throw Object.assign(new Error('MAX_USER_TURN'), { retryAfter: 10_000 });
        return 'ok';
      },
      { clock, initialDelay: 5 },
    );
    await clock.runAll();
    await expect(result).resolves.toBe('ok');
    expect(times).toEqual([0, 10_000]);
  });

  it('works with a breaker: waits for the open time from CircuitOpenError.retryAfter', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ failureThreshold: 1, resetTimeout: 5_000, clock });
    let calls = 0;
    const call = breaker.wrap(async () => {
      calls++;
      if (calls === 1) throw new Error('down');
      return 'up';
    });
    const result = retry(() => call(), { clock, attempts: 3, initialDelay: 1 });
    await clock.runAll();
    await expect(result).resolves.toBe('up');
    expect(calls).toBe(2);
    expect(clock.now()).toBe(5_000);
  });

  it('does not retry aborts or CircuitIsolatedError by default', async () => {
    let calls = 0;
    await expect(
      retry(() => {
        calls++;
        throw new AbortedError();
      }),
    ).rejects.toBeInstanceOf(AbortedError);
    const breaker = circuitBreaker();
    breaker.isolate();
    await expect(retry(() => breaker.wrap(async () => 1)())).rejects.toBeInstanceOf(
      CircuitIsolatedError,
    );
    expect(calls).toBe(1);
  });

  it('stops at once on abort during a wait: no further attempt, no timer left', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    let calls = 0;
    const result = retry(
      () => {
        calls++;
        throw new Error('flaky');
      },
      { clock, signal: controller.signal, attempts: 5, initialDelay: 1_000, random: () => 0.9 },
    ).catch((e: unknown) => e);
    await clock.advance(10);
    expect(calls).toBe(1);
    expect(clock.pendingTimers).toBe(1);
    controller.abort(new Error('shutdown'));
    const error = await result;
    expect(error).toMatchObject({ name: 'AbortError', code: 'ERR_BPK_ABORTED' });
    expect((error as Error).cause).toEqual(new Error('shutdown'));
    expect(clock.pendingTimers).toBe(0);
    await clock.runAll();
    expect(calls).toBe(1);
  });

  it('stops at once on abort during an attempt, without waiting for it; fn gets the signal', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    let finish!: () => void;
    const result = retry(
      ({ signal }) => {
        seen = signal;
        return new Promise<string>((resolve) => {
          finish = () => resolve('late');
        });
      },
      { signal: controller.signal },
    );
    await Promise.resolve();
    await Promise.resolve();
    controller.abort();
    await expect(result).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen?.aborted).toBe(true);
    finish(); // a late result is ignored
  });

  it('abort on the real clock leaves no timer or listener behind', async () => {
    const clock = countingClock(); // the real clock, counting its pending sleeps
    const tracked = trackedAbortController();
    const controller = tracked.controller;
    let calls = 0;
    const result = retry(
      () => {
        calls++;
        throw new Error('flaky');
      },
      { signal: tracked.signal, attempts: 5, initialDelay: 60_000, random: () => 0.5, clock },
    ).catch((e: unknown) => e);
    while (calls === 0) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pendingSleeps()).toBe(1); // the backoff timer
    controller.abort();
    expect(await result).toMatchObject({ name: 'AbortError' });
    expect(clock.pendingSleeps()).toBe(0);
    expect(tracked.listeners()).toBe(0);
    expect(calls).toBe(1);
  });

  it('rejects at once when the signal already aborted, calling fn 0 times', async () => {
    let calls = 0;
    await expect(
      retry(
        () => {
          calls++;
        },
        { signal: AbortSignal.abort() },
      ),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(0);
  });

  it('accepts a custom Backoff and validates options synchronously', async () => {
    const clock = new VirtualClock();
    const times: number[] = [];
    const result = retry(
      () => {
        times.push(clock.now());
        if (times.length < 3) throw new Error('x');
        return times.length;
      },
      { clock, backoff: { name: 'linear', delay: ({ attempt }) => attempt * 7 } },
    );
    await clock.runAll();
    await expect(result).resolves.toBe(3);
    expect(times).toEqual([0, 7, 21]);
    expect(() => retry(() => 1, { attempts: 0 })).toThrow(InvalidOptionValueError);
    expect(() => retry(() => 1, { attempts: 1.5 })).toThrow(/`attempts`/);
    expect(() => retry(() => 1, { backoff: 'linear' as never })).toThrow(/`backoff`/);
    expect(() => retry(() => 1, { initialDelay: 100, maxDelay: 10 })).toThrow(/`maxDelay`/);
    expect(() => retry(() => 1, { retryOn: true as never })).toThrow(InvalidOptionTypeError);
    expect(() => retry(5 as never)).toThrow(TypeError);
    await expect(retry(() => 1, { attempts: Number.POSITIVE_INFINITY })).resolves.toBe(1);
  });
});
