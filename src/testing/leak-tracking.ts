import { type Clock, systemClock } from '../internal/clock.js';
import { probeListeners } from './invariants.js';

/**
 * Leak checks per object, for tests that run beside other tests (several copies of a suite
 * in parallel, other files in the same process): instead of counting the process's handles,
 * which other tests change at any moment, they watch the one signal and the one clock a stage
 * under test was given.
 */

/** An `AbortController` whose signal counts the `abort` listeners attached to it right now. */
export interface TrackedAbortController {
  /** The controller: call `controller.abort()` to abort the run under test. */
  readonly controller: AbortController;
  /** `controller.signal`, with `abort` listeners counted: pass it to the stage under test. */
  readonly signal: AbortSignal;
  /**
   * `abort` listeners still attached. A `{ once: true }` listener counts as removed once the
   * signal has aborted (the platform removes it without a `removeEventListener` call).
   */
  listeners(): number;
}

/**
 * Makes an {@link TrackedAbortController}: pass its `signal` to a stage, end the run, and
 * expect `listeners()` to be 0. (A fresh controller watched by `probeListeners`.)
 *
 * @example
 * ```ts
 * const tracked = trackedAbortController();
 * for await (const x of stage(source, { signal: tracked.signal })) if (x > 3) break;
 * expect(tracked.listeners()).toBe(0);
 * ```
 */
export function trackedAbortController(): TrackedAbortController {
  const controller = new AbortController();
  const probe = probeListeners(controller.signal);
  return { controller, signal: controller.signal, listeners: () => probe.listeners };
}

/** A {@link Clock} that counts its sleeps still pending (neither ended nor aborted). */
export interface CountingClock extends Clock {
  /** Sleeps that have neither ended nor been aborted: a timer the stage still holds. */
  pendingSleeps(): number;
}

/**
 * Wraps a clock (default: the real one) to count pending sleeps: give it to a stage, end the
 * run, and expect `pendingSleeps()` to be 0 (the stage cleared its timers).
 */
export function countingClock(inner: Clock = systemClock): CountingClock {
  let pending = 0;
  const done = (): void => {
    pending--;
  };
  return {
    now: () => inner.now(),
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
      const sleeping = inner.sleep(ms, signal);
      pending++;
      sleeping.then(done, done);
      return sleeping;
    },
    pendingSleeps: () => pending,
  };
}
