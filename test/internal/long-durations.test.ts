import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  adaptiveMap,
  breakerGate,
  circuitBreaker,
  InvalidOptionValueError,
  rateLimit,
  rateLimiter,
  retry,
} from '../../src/index.js';
import { systemClock } from '../../src/internal/clock.js';
import { MAX_TIMER_MS } from '../../src/internal/validate.js';

const TOO_LONG = MAX_TIMER_MS + 1;

/** Every duration the core takes, each built with a value a timer cannot hold. */
const FACTORIES: Record<string, () => unknown> = {
  'retry initialDelay': () => retry(() => 1, { initialDelay: TOO_LONG }),
  'retry maxDelay': () => retry(() => 1, { maxDelay: 2 ** 32 }),
  'rateLimiter interval': () => rateLimiter({ rate: 1, interval: 2 ** 32 }),
  'rateLimiter interval / rate': () => rateLimiter({ rate: 1e-6, interval: 10_000 }),
  'rateLimit interval': () => rateLimit({ rate: 1, interval: TOO_LONG }),
  'circuitBreaker resetTimeout': () => circuitBreaker({ resetTimeout: TOO_LONG }),
  'circuitBreaker resetBackoff.maxTimeout': () =>
    circuitBreaker({ resetBackoff: { maxTimeout: TOO_LONG } }),
  'circuitBreaker halfOpen.deadlineMs': () =>
    circuitBreaker({ halfOpen: { deadlineMs: TOO_LONG } }),
  'circuitBreaker window.size (time)': () =>
    circuitBreaker({ window: { kind: 'time', size: TOO_LONG, buckets: 10 } }),
  'circuitBreaker initialState.remainingMs': () =>
    circuitBreaker({ initialState: { state: 'open', remainingMs: TOO_LONG, opens: 1 } }),
  'breakerGate resetTimeout': () => breakerGate({ resetTimeout: TOO_LONG }),
  'adaptiveMap retryDelayMs': () => adaptiveMap((x: number) => x, { retryDelayMs: TOO_LONG }),
  'adaptiveMap retryMaxDelayMs': () => adaptiveMap((x: number) => x, { retryMaxDelayMs: TOO_LONG }),
};

describe('durations above 2^31 - 1 ms are refused when the factory is called', () => {
  for (const [what, make] of Object.entries(FACTORIES)) {
    it(what, () => {
      expect(make).toThrow(InvalidOptionValueError);
      expect(make).toThrow(/2147483647/);
    });
  }

  it('the longest a timer can hold is still accepted', () => {
    expect(() => rateLimiter({ rate: 1, interval: MAX_TIMER_MS })).not.toThrow();
    expect(() => circuitBreaker({ resetTimeout: MAX_TIMER_MS })).not.toThrow();
  });
});

describe('systemClock sleeps as long as asked, beyond what one timer holds', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a sleep of 2^31 + 5 ms does not end after 1 ms, and ends on time', async () => {
    vi.useFakeTimers();
    let done = false;
    const sleeping = systemClock.sleep(2 ** 31 + 5).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(2 ** 31 + 5 - 1_001);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(done).toBe(true);
  });

  it("retry waits out an error's long retryAfter instead of retrying at once", async () => {
    vi.useFakeTimers();
    let calls = 0;
    const result = retry(
      () => {
        calls++;
        if (calls === 1) throw Object.assign(new Error('busy'), { retryAfter: 2 ** 31 + 10 });
        return 'ok';
      },
      { attempts: 2 },
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(2 ** 31 + 10);
    await expect(result).resolves.toBe('ok');
    expect(calls).toBe(2);
  });

  it('an aborted long sleep leaves no timer', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const sleeping = systemClock.sleep(2 ** 33, controller.signal);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 1); // now on its second timer
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
    expect(vi.getTimerCount()).toBe(0);
  });
});
