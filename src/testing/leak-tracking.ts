import { type Clock, systemClock } from '../internal/clock.js';

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
 * expect `listeners()` to be 0.
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
  const signal = controller.signal;
  const live = new Map<unknown, boolean>(); // listener → added with { once: true }
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  add('abort', () => {
    for (const [listener, once] of live) if (once) live.delete(listener);
  });
  signal.addEventListener = ((
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ) => {
    if (type === 'abort' && listener !== null && !(signal.aborted && isOnce(options))) {
      live.set(listener, isOnce(options));
    }
    add(type, listener as EventListenerOrEventListenerObject, options);
  }) as AbortSignal['addEventListener'];
  signal.removeEventListener = ((
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ) => {
    if (type === 'abort') live.delete(listener);
    remove(type, listener as EventListenerOrEventListenerObject, options);
  }) as AbortSignal['removeEventListener'];
  return { controller, signal, listeners: () => live.size };
}

function isOnce(options: boolean | AddEventListenerOptions | undefined): boolean {
  return typeof options === 'object' && options.once === true;
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
