import { AbortedError, hasErrorCode, isAbortError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import { onAbort } from '../internal/signal.js';
import * as validate from '../internal/validate.js';
import type { Backoff } from './backoff.js';
import { constantBackoff } from './constant-backoff.js';
import { decorrelatedJitterBackoff } from './decorrelated-jitter.js';
import { exponentialBackoff } from './exponential-backoff.js';
import { fullJitterBackoff } from './full-jitter.js';
import { RetryExhaustedError } from './retry-exhausted-error.js';

/** Information passed to `onRetry` before each wait. */
export interface RetryEvent {
  /** The error of the attempt that just failed. */
  error: unknown;
  /** Number of the attempt that just failed (1 for the first). */
  attempt: number;
  /** Milliseconds `retry` waits now. */
  delay: number;
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Attempts in total, the first included. An integer from 1 and up, or Infinity. @default 3 */
  attempts?: number;
  /** `'full-jitter'`, `'decorrelated'`, `'exponential'`, `'constant'` or your own {@link Backoff}. @default 'full-jitter' */
  backoff?: 'full-jitter' | 'decorrelated' | 'exponential' | 'constant' | Backoff;
  /** Base delay in ms. A number from 0 and up. @default 100 */
  initialDelay?: number;
  /** Largest backoff delay in ms (a `retryAfter` may ask for longer). From `initialDelay` and up. @default 30_000 */
  maxDelay?: number;
  /**
   * Decides whether an error is worth another attempt. @default every error except aborts and
   * `CircuitIsolatedError` (a fatal error will not heal by retrying)
   */
  retryOn?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait. */
  onRetry?: (event: RetryEvent) => void;
  /** Stops at once: the pending attempt's signal aborts, any wait ends, `retry` rejects with an `AbortError`. */
  signal?: AbortSignal;
  /** Clock for the waits. @default systemClock */
  clock?: Clock;
  /** Random source in [0, 1) for jitter. @default Math.random */
  random?: () => number;
}

/** What the retried function receives. */
export interface RetryContext {
  /** Number of this attempt, from 1. */
  attempt: number;
  /** The caller's signal; pass it on so an abort cancels the attempt. */
  signal: AbortSignal | undefined;
}

const STRATEGIES = {
  'full-jitter': fullJitterBackoff,
  decorrelated: decorrelatedJitterBackoff,
  exponential: exponentialBackoff,
  constant: constantBackoff,
} as const;

/** Default `retryOn`: everything but aborts and isolation. */
export function defaultRetryOn(error: unknown): boolean {
  return !isAbortError(error) && !hasErrorCode(error, 'ERR_BPK_CIRCUIT_ISOLATED');
}

function retryAfterOf(error: unknown): number {
  if (typeof error !== 'object' || error === null) return 0;
  const value = (error as { retryAfter?: unknown }).retryAfter;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Calls `fn` until it succeeds, waiting between attempts with jittered exponential backoff.
 *
 * - Attempts are finite (default 3 in total). When all fail with retryable errors, `retry`
 *   rejects with `RetryExhaustedError` (code `ERR_BPK_RETRY_EXHAUSTED`, `cause` = the last
 *   error). An error `retryOn` rejects is rethrown unchanged at once.
 * - The wait before attempt `n+1` is the strategy's delay (default full jitter: uniform in
 *   `[0, min(maxDelay, initialDelay × 2^(n-1)))`), raised to the error's `retryAfter` (ms) when
 *   it carries one (for example a `CircuitOpenError` or a provider's "wait 10 s").
 * - Abort stops at once: the signal handed to `fn` aborts, a wait ends, and `retry` rejects
 *   with an `AbortError` without waiting for the pending attempt (its result is ignored).
 *
 * @throws TypeError / RangeError synchronously for a bad option.
 * @example
 * ```ts
 * const token = await retry(({ signal }) => solver.solve(task, { signal }), {
 *   attempts: 4,
 *   retryOn: (error) => !hasErrorCode(error, 'ERR_SOLVER_ZERO_BALANCE'),
 * });
 * ```
 */
export function retry<T>(
  fn: (context: RetryContext) => T | PromiseLike<T>,
  options: RetryOptions = {},
): Promise<Awaited<T>> {
  validate.func('fn', fn);
  const opts = validate.object<RetryOptions>('options', options);
  const attempts = validate.optional(opts.attempts, 3, (v) =>
    validate.integer('attempts', v, { min: 1, allowInfinity: true }),
  );
  const backoff: Backoff =
    typeof opts.backoff === 'object' && opts.backoff !== null
      ? validateBackoff(opts.backoff)
      : STRATEGIES[
          validate.optional(opts.backoff, 'full-jitter' as const, (v) =>
            validate.oneOf('backoff', v, Object.keys(STRATEGIES) as (keyof typeof STRATEGIES)[]),
          )
        ];
  const initialDelay = validate.optional(opts.initialDelay, 100, (v) =>
    validate.duration('initialDelay', v),
  );
  const maxDelay = validate.optional(opts.maxDelay, Math.max(30_000, initialDelay), (v) =>
    validate.duration('maxDelay', v, { min: initialDelay }),
  );
  const retryOn = validate.optional(opts.retryOn, defaultRetryOn, (v) =>
    validate.func<(error: unknown, attempt: number) => boolean>('retryOn', v),
  );
  const onRetry = validate.optional(opts.onRetry, undefined, (v) =>
    validate.func<(event: RetryEvent) => void>('onRetry', v),
  );
  const signal = validate.optional(opts.signal, undefined, (v) => validate.signal('signal', v));
  const clock = validate.optional(opts.clock, systemClock, (v) =>
    validate.clock<Clock>('clock', v),
  );
  const random = validate.optional(opts.random, Math.random, (v) =>
    validate.func<() => number>('random', v),
  );

  const run = async (): Promise<Awaited<T>> => {
    let previousDelay = initialDelay;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new AbortedError(signal.reason);
      try {
        return await untilAborted(() => fn({ attempt, signal }), signal);
      } catch (error) {
        if (signal?.aborted) throw new AbortedError(signal.reason);
        if (!retryOn(error, attempt)) throw error;
        if (attempt >= attempts) throw new RetryExhaustedError(attempt, error);
        const strategyDelay = backoff.delay({
          attempt,
          previousDelay,
          initialDelay,
          maxDelay,
          random,
        });
        previousDelay = strategyDelay;
        const delay = Math.max(strategyDelay, retryAfterOf(error));
        onRetry?.({ error, attempt, delay });
        await clock.sleep(delay, signal); // rejects with an AbortError on abort
      }
    }
  };
  return run();
}

function validateBackoff(value: Backoff): Backoff {
  validate.func('backoff.delay', value.delay);
  return value;
}

/** Runs `call`, rejecting as soon as `signal` aborts; a late rejection of the call is swallowed. */
function untilAborted<T>(
  call: () => T | PromiseLike<T>,
  signal: AbortSignal | undefined,
): Promise<Awaited<T>> {
  const pending = Promise.resolve().then(call) as Promise<Awaited<T>>;
  if (!signal) return pending;
  return new Promise<Awaited<T>>((resolve, reject) => {
    const dispose = onAbort(signal, () => reject(new AbortedError(signal.reason)));
    pending.then(
      (value) => {
        dispose();
        resolve(value);
      },
      (error: unknown) => {
        dispose();
        reject(error);
      },
    );
  });
}
