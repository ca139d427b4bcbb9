import { AbortedError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import { noop } from '../internal/noop.js';
import { onAbort } from '../internal/signal.js';
import * as validate from '../internal/validate.js';
import { TimeoutError } from './timeout-error.js';

/** Options of {@link timeout}. */
export interface TimeoutOptions {
  /**
   * The caller's signal: when it aborts first, `fn`'s signal aborts with its reason and
   * `timeout` rejects at once with an `AbortError`.
   */
  signal?: AbortSignal;
  /** Clock for the time limit. @default systemClock */
  clock?: Clock;
}

/** What the timed function receives. */
export interface TimeoutContext {
  /** Aborts at the time limit (reason: the `TimeoutError`) or when the caller's signal aborts. */
  signal: AbortSignal;
}

/**
 * Runs `fn` with a time limit of `ms` milliseconds: `fn` gets a signal that aborts at the
 * limit, and `timeout` rejects with a {@link TimeoutError} (code `ERR_BPK_TIMEOUT`, `ms`
 * attached) as soon as the limit passes, whether or not `fn` has stopped. It settles with
 * `fn`'s result or error when that comes first.
 *
 * **Aggressive, not cooperative** (in cockatiel's terms, `TimeoutStrategy.Aggressive`): a
 * cooperative timeout only aborts the signal and waits for `fn` to notice, so a call that
 * ignores its signal (or a hung socket) would still hold a breaker's trial slot or an
 * `adaptiveMap` slot for as long as it hangs, which is what the time limit is meant to
 * prevent. `fn` should still pass the signal on (to `fetch`, undici, a solver call) so its
 * work really stops; a result or error it produces after the limit is discarded. Unlike
 * cockatiel, `fn`'s signal is not aborted when `fn` settles in time (cockatiel's
 * `abortOnReturn`): nothing is left to cancel then.
 *
 * - Once `timeout` settled, no timer and no listener on `options.signal` is left behind.
 * - An `options.signal` already aborted rejects with an `AbortError` without calling `fn`.
 * - A `TimeoutError` is not an abort (`isAbortError` is false): wrapped inside
 *   `breaker.wrap`, a timed-out call counts as a failure; `retry` retries it.
 *
 * @param fn the call; receives `{ signal }`.
 * @param ms the time limit: a duration from 0 to 2^31 - 1 ms, or `Infinity` for none.
 * @throws InvalidOptionTypeError / InvalidOptionValueError at once for a bad `fn`, `ms` or option.
 * @example
 * ```ts
 * const breaker = circuitBreaker({ failureThreshold: 5 });
 * const solve = breaker.wrap((task: Task) =>
 *   timeout(({ signal }) => client.solve(task, { signal }), 120_000),
 * );
 * ```
 */
export function timeout<R>(
  fn: (context: TimeoutContext) => R | PromiseLike<R>,
  ms: number,
  options: TimeoutOptions = {},
): Promise<Awaited<R>> {
  const call = validate.func<(context: TimeoutContext) => R | PromiseLike<R>>('fn', fn);
  const limit = validate.duration('ms', ms, { allowInfinity: true });
  const opts = validate.object<TimeoutOptions>('options', options);
  const outer = validate.optional(opts.signal, undefined, (v) => validate.signal('signal', v));
  const clock = validate.optional(opts.clock, systemClock, (v) =>
    validate.clock<Clock>('clock', v),
  );
  if (outer?.aborted) return Promise.reject(new AbortedError(outer.reason));

  const controller = new AbortController();
  const timer = new AbortController();
  return new Promise<Awaited<R>>((resolve, reject) => {
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      timer.abort(); // clears the pending sleep
      disposeOuter();
      return true;
    };
    const disposeOuter = onAbort(outer, () => {
      if (!finish()) return;
      controller.abort(outer?.reason);
      reject(new AbortedError(outer?.reason));
    });
    if (limit !== Number.POSITIVE_INFINITY) {
      clock.sleep(limit, timer.signal).then(() => {
        if (!finish()) return;
        const error = new TimeoutError(limit);
        controller.abort(error);
        reject(error);
      }, noop);
    }
    let result: R | PromiseLike<R>;
    try {
      result = call({ signal: controller.signal });
    } catch (error) {
      if (finish()) reject(error);
      return;
    }
    Promise.resolve(result).then(
      (value) => {
        if (finish()) resolve(value as Awaited<R>);
      },
      (error: unknown) => {
        if (finish()) reject(error); // a late error is discarded (it lost to the limit)
      },
    );
  });
}
