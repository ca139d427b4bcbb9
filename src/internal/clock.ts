import { AbortedError } from '../errors.js';
import { MAX_TIMER_MS } from './validate.js';

/**
 * Time as the toolkit sees it. Every stage that waits takes an optional clock, so tests and
 * simulations can run in virtual time (see `VirtualClock` in `backpressure-kit/testing`).
 */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds. Rejects with an `AbortError` as soon as `signal` aborts,
   * and then leaves no timer behind.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock: `performance.now()` and `setTimeout`. Portable to Bun, Deno and browsers.
 * A sleep longer than a timer can hold (2^31 - 1 ms, about 24.8 days; `setTimeout` would fire
 * after 1 ms) is served by consecutive timers, so it lasts as long as asked; `Infinity`
 * sleeps until the signal aborts.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError(signal.reason));
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout>;
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new AbortedError(signal?.reason));
      };
      const arm = (remaining: number): void => {
        timer = setTimeout(
          () => {
            if (remaining > MAX_TIMER_MS) {
              arm(remaining - MAX_TIMER_MS);
              return;
            }
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          Math.min(remaining, MAX_TIMER_MS),
        );
      };
      arm(ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
