import { type Clock, systemClock } from '../internal/clock.js';
import { RingBuffer } from '../internal/ring-buffer.js';
import * as validate from '../internal/validate.js';
import type { LimitController, LimitOutcome } from './limit-algorithm.js';
import { parseStageLimit, type StageLimitOptions } from './stage-limit-options.js';

/**
 * Options of {@link adaptiveLimit}; the same meaning as in `adaptiveMap`: the limit's bounds
 * and `algorithm` ({@link StageLimitOptions}), plus the call classification and the clock.
 */
export interface AdaptiveLimitOptions extends StageLimitOptions {
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
 * `limit(fn, ...args)` runs `fn` when a slot is free (at once, in call order) and resolves or
 * rejects with it; a synchronous throw becomes a rejection. After each call the controller's
 * verdict becomes the new `concurrency`; a raise starts waiting calls at once. It is a
 * hand-written semaphore rather than p-limit's adjustable `concurrency`
 * (`bench/adaptive-overhead.ts`, section B, compares the two; figures in
 * `docs/adaptive-map.md`).
 *
 * A call that has to wait runs in its caller's async context, as in p-limit:
 * `AsyncLocalStorage.getStore()` inside `fn` returns the caller's store, not the store of the
 * call whose end freed the slot.
 *
 * Unlike `adaptiveMap` it does not retry: a call classified `drop` lowers the limit and
 * rejects with its own error, and the caller decides what to do.
 *
 * Named after p-limit's `limit` function: it is a limiter, and its `concurrency` is the
 * limit (the number of calls admitted at once) that its `algorithm` moves.
 *
 * @throws `TypeError` / `RangeError` at once for a bad option, or for one set twice to
 * different values (`max: 4` with `algorithm: kneeLimit({ max: 3 })`).
 * @example
 * ```ts
 * const limit = adaptiveLimit({ max: 50 });
 * const tokens = await Promise.all(tasks.map((task) => limit(() => solver.solve(task))));
 * ```
 */
export function adaptiveLimit(options: AdaptiveLimitOptions = {}): AdaptiveLimitFunction {
  validate.object('options', options);
  const { algorithm, bounds } = parseStageLimit(options);
  const classify = validate.optional(options.classify, undefined, (v) =>
    validate.func<NonNullable<AdaptiveLimitOptions['classify']>>('classify', v),
  );
  const clock = validate.optional(options.clock, systemClock, (v) =>
    validate.clock<Clock>('clock', v),
  );
  const controller: LimitController = algorithm.create(bounds);
  const listeners = new Set<(limit: number, previous: number) => void>();
  // A hand-written adjustable semaphore with p-limit's call shape (see bench section B).
  let concurrency = Math.floor(controller.limit);
  let active = 0;
  const queue = new RingBuffer<() => void>();

  const drain = () => {
    while (active < concurrency && queue.size > 0) {
      active++;
      queue.shift()();
    }
  };

  const record = (latencyMs: number, outcome: LimitOutcome, now: number) => {
    // `active` still counts this call, so inFlight includes it.
    const limit = Math.floor(controller.onSample({ latencyMs, outcome, inFlight: active, now }));
    const previous = concurrency;
    if (limit !== previous) {
      concurrency = limit;
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

  const limit = <A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Promise<R> => {
    validate.func('fn', fn);
    return new Promise<R>((resolve, reject) => {
      const run = () => {
        const startedAt = clock.now();
        let result: Promise<R>;
        try {
          result = Promise.resolve(fn(...args));
        } catch (error) {
          result = Promise.reject(error);
        }
        result.then(
          (value) => {
            const now = clock.now();
            record(now - startedAt, outcomeOf({ value, latencyMs: now - startedAt }), now);
            active--;
            resolve(value);
            drain();
          },
          (error: unknown) => {
            const now = clock.now();
            record(now - startedAt, outcomeOf({ error, latencyMs: now - startedAt }), now);
            active--;
            reject(error);
            drain();
          },
        );
      };
      if (active < concurrency && queue.size === 0) {
        active++;
        run();
      } else {
        // `drain()` runs in the context of the call that freed the slot; chaining `run` on a
        // promise made here runs it in this caller's async context instead (its
        // AsyncLocalStorage store), as p-limit does, with no `node:` import.
        new Promise<void>((start) => {
          queue.push(start);
        }).then(run);
      }
    });
  };
  return Object.defineProperties(limit, {
    activeCount: { get: () => active },
    pendingCount: { get: () => queue.size },
    concurrency: { get: () => concurrency },
    baselineMs: { get: () => controller.baselineMs },
    clearQueue: {
      value: () => queue.clear(),
    },
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
