import { describe, expect, it } from 'vitest';
import { circuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { isAbortError } from '../../src/errors.js';
import { awaitBreaker } from '../../src/solver/await-breaker.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** A breaker on `clock` opened by one failure, for `resetTimeout` ms. */
async function openBreaker(clock: VirtualClock, resetTimeout = 10_000) {
  const breaker = circuitBreaker({ failureThreshold: 1, resetTimeout, clock });
  await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => {});
  expect(breaker.state).toBe('open');
  return breaker;
}

function settledFlag(promise: Promise<unknown>) {
  const flag = { settled: false, error: undefined as unknown };
  promise.then(
    () => {
      flag.settled = true;
    },
    (error: unknown) => {
      flag.settled = true;
      flag.error = error;
    },
  );
  return flag;
}

describe('awaitBreaker', () => {
  it('wakes on the breaker state change, before its own time is up, and leaves no timer', async () => {
    const clock = new VirtualClock();
    const breaker = await openBreaker(clock);
    const wait = settledFlag(awaitBreaker(breaker, 60_000, clock, new AbortController().signal));
    await clock.advance(100);
    expect(wait.settled).toBe(false);
    breaker.reset();
    await clock.advance(0);
    expect(wait).toEqual({ settled: true, error: undefined });
    expect(clock.pendingTimers).toBe(0);
  });

  it('without a state change, ends after `ms`', async () => {
    const clock = new VirtualClock();
    const breaker = await openBreaker(clock);
    const wait = settledFlag(awaitBreaker(breaker, 3_000, clock, new AbortController().signal));
    await clock.advance(2_999);
    expect(wait.settled).toBe(false);
    await clock.advance(1);
    expect(wait).toEqual({ settled: true, error: undefined });
    // its state listener is gone: a later transition reaches nobody's stale wait
    breaker.reset();
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects with an AbortError when the caller aborts, and removes its timer', async () => {
    const clock = new VirtualClock();
    const breaker = await openBreaker(clock);
    const controller = new AbortController();
    const wait = settledFlag(awaitBreaker(breaker, 60_000, clock, controller.signal));
    controller.abort(new Error('stop'));
    await clock.advance(0);
    expect(wait.settled).toBe(true);
    expect(isAbortError(wait.error)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });
});
