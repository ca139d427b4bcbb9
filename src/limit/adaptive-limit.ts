import pLimit from 'p-limit';
import { type Clock, systemClock } from '../internal/clock.js';
import * as validate from '../internal/validate.js';
import { fixedLimit } from './fixed-limit.js';
import { kneeLimit } from './knee-limit.js';
import type { LimitAlgorithm, LimitController, LimitOutcome } from './limit-algorithm.js';

/** Options of {@link adaptiveLimit}; the same meaning as in `adaptiveMap`. */
export interface AdaptiveLimitOptions {
  /** Lowest limit, an integer from 1 and up. @default 1 */
  min?: number;
  /** Highest limit, an integer ≥ `min`. @default 100 */
  max?: number;
  /** Starting limit, an integer in `[min, max]`. @default min(max, max(min, 4)) */
  initial?: number;
  /** How the limit moves. @default kneeLimit() (fixed when `min === max`) */
  limit?: LimitAlgorithm;
  /** Sorts a finished call for the limit. @default value → `success`, error → `failure` */
  classify?: (outcome: { error?: unknown; value?: unknown; latencyMs: number }) => LimitOutcome;
  /** Clock for latencies. @default systemClock */
  clock?: Clock;
}

/** What {@link adaptiveLimit} returns: p-limit's `limit(fn, ...args)` plus the limit's view. */
export interface AdaptiveLimitFunction {
  <A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>, ...args: A): Promise<R>;
  /** Calls running now. */
  readonly activeCount: number;
  /** Calls waiting for a slot. */
  readonly pendingCount: number;
  /** Calls admitted at once right now (`Math.floor` of the controller's limit). */
  readonly concurrency: number;
  /** Discards the calls still waiting (their promises never settle, as in p-limit). */
  clearQueue(): void;
  /** The controller's latency baseline, in ms, when it keeps one. */
  readonly baselineMs: number | undefined;
  /** Calls `listener` when `concurrency` changes; returns a disposer. */
  onLimitChange(listener: (limit: number, previous: number) => void): () => void;
}

/**
 * The adaptive limit of `adaptiveMap` for plain async functions, in the shape of p-limit:
 * `limit(fn, ...args)` runs `fn` when a slot is free and resolves or rejects with it. It is
 * p-limit underneath; after each call the controller's verdict is written to p-limit's
 * adjustable `concurrency`.
 *
 * Unlike `adaptiveMap` it does not retry: a call classified `drop` lowers the limit and
 * rejects with its own error, and the caller decides what to do.
 *
 * @throws `TypeError` / `RangeError` at once for a bad option.
 * @example
 * ```ts
 * const limit = adaptiveLimit({ max: 50 });
 * const tokens = await Promise.all(tasks.map((task) => limit(() => solver.solve(task))));
 * ```
 */
export function adaptiveLimit(options: AdaptiveLimitOptions = {}): AdaptiveLimitFunction {
  validate.object('options', options);
  const min = validate.optional(options.min, 1, (v) => validate.integer('min', v, { min: 1 }));
  const max = validate.optional(options.max, Math.max(100, min), (v) =>
    validate.integer('max', v, { min }),
  );
  const initial = validate.optional(options.initial, Math.min(max, Math.max(min, 4)), (v) =>
    validate.integer('initial', v, { min, max }),
  );
  const algorithm = validate.optional<LimitAlgorithm>(
    options.limit,
    min === max ? fixedLimit(min) : kneeLimit(),
    (v) => {
      const limit = validate.object<LimitAlgorithm>('limit', v);
      validate.func('limit.create', limit.create);
      return limit;
    },
  );
  const classify = validate.optional(options.classify, undefined, (v) =>
    validate.func<NonNullable<AdaptiveLimitOptions['classify']>>('classify', v),
  );
  const clock = validate.optional(options.clock, systemClock, (v) =>
    validate.clock<Clock>('clock', v),
  );
  const controller: LimitController = algorithm.create({ min, max, initial });
  const inner = pLimit(Math.floor(controller.limit));
  const listeners = new Set<(limit: number, previous: number) => void>();

  const record = (latencyMs: number, outcome: LimitOutcome, now: number) => {
    // p-limit counts this call as active until our wrapper returns, so inFlight includes it.
    const limit = Math.floor(
      controller.onSample({ latencyMs, outcome, inFlight: inner.activeCount, now }),
    );
    const previous = inner.concurrency;
    if (limit !== previous) {
      inner.concurrency = limit;
      for (const listener of listeners) {
        try {
          listener(limit, previous);
        } catch {
          // Listeners observe; their bugs must not break the calls.
        }
      }
    }
  };

  const outcomeOf = (result: { error?: unknown; value?: unknown; latencyMs: number }) => {
    if (!classify) return 'error' in result ? 'failure' : 'success';
    try {
      return classify(result);
    } catch {
      return 'failure';
    }
  };

  const run = async <R>(fn: () => R | PromiseLike<R>): Promise<R> => {
    const startedAt = clock.now();
    let value: R;
    try {
      value = await fn();
    } catch (error) {
      const now = clock.now();
      record(now - startedAt, outcomeOf({ error, latencyMs: now - startedAt }), now);
      throw error;
    }
    const now = clock.now();
    record(now - startedAt, outcomeOf({ value, latencyMs: now - startedAt }), now);
    return value;
  };

  const limit = <A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Promise<R> => {
    validate.func('fn', fn);
    return inner(() => run(() => fn(...args)));
  };
  return Object.defineProperties(limit, {
    activeCount: { get: () => inner.activeCount },
    pendingCount: { get: () => inner.pendingCount },
    concurrency: { get: () => inner.concurrency },
    baselineMs: { get: () => controller.baselineMs },
    clearQueue: { value: () => inner.clearQueue() },
    onLimitChange: {
      value: (listener: (limit: number, previous: number) => void) => {
        validate.func('listener', listener);
        const entry = (l: number, p: number) => listener(l, p);
        listeners.add(entry);
        return () => listeners.delete(entry);
      },
    },
  }) as AdaptiveLimitFunction;
}
