import { AbortedError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import { DONE } from '../internal/done.js';
import { onAnyAbort } from '../internal/signal.js';
import { checkSource, isIteratorResult } from '../internal/source.js';
import { isRateLimiter } from '../rate/is-rate-limiter.js';
import {
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimiterStats,
  rateLimiter,
} from '../rate/rate-limiter.js';
import type { Source, Stage, StageContext } from '../stage.js';
import { PassThroughIterator } from './pass-through-iterator.js';

/** Counters of a {@link rateLimit} stage, summed over every run. */
export interface RateLimitStats {
  /** Items passed downstream. */
  passed: number;
  /** Items that had to wait for a token. */
  delayed: number;
  /** Total milliseconds items waited for tokens (the producer waited meanwhile). */
  waitMs: number;
  /** Items pulled but not passed because the consumer stopped or the run aborted. */
  discarded: number;
  /** The shared limiter's counters. */
  limiter: RateLimiterStats;
}

/** The stage {@link rateLimit} returns. */
export interface RateLimitStage<T> extends Stage<T, T> {
  (source: Source<T>, context?: StageContext): AsyncIterableIterator<T>;
  /** The token bucket (shared by every run of this stage and by `wrap`). */
  readonly limiter: RateLimiter;
  /** Wraps a function so its calls take tokens from the same bucket as the stage. */
  wrap<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
  ): (...args: A) => Promise<Awaited<R>>;
  /** Counters of every run of this stage so far, with its limiter's. */
  stats(): RateLimitStats;
}

interface Counters {
  passed: number;
  delayed: number;
  waitMs: number;
  discarded: number;
}

/**
 * A lossless rate limit as a pass-through stage: a token bucket of `rate` tokens per
 * `interval` ms holding up to `burst` (default 1). Each item takes one token when it is
 * passed downstream; when none is left the item waits (and the stage stops pulling, so the
 * producer waits). It delays, never drops; order is preserved.
 *
 * **Bound (exact under an injected clock):** in any closed time window of length `w` ms the
 * stage passes at most `burst + floor(rate × w / interval)` items; with `w = interval` that is
 * `burst + rate`. To respect a provider rule of "at most N calls in any P ms", choose
 * `rate + burst ≤ N` with `interval = P`.
 *
 * Pass a {@link RateLimiter} instead of options to share one bucket between stages and
 * functions; `stage.wrap(fn)` (or `rateLimit.wrap(fn, options)`) limits plain function calls.
 *
 * - Early exit: stops waiting, returns its source, clears its timer.
 * - Abort (`options.signal` or the `pipeline()` signal): the same, then rejects with an `AbortError`.
 *
 * @throws TypeError / RangeError at once for a bad option.
 * @example
 * ```ts
 * // The provider bans more than 60 submits in 3 s: stay at 55.
 * await pipeline(tasks, rateLimit({ rate: 50, interval: 3_000, burst: 5 }), submitAll);
 * ```
 */
export function rateLimit<T>(options: RateLimiterOptions | RateLimiter): RateLimitStage<T> {
  const limiter = isRateLimiter(options) ? options : rateLimiter(options);
  const clock: Clock = limiter.clock;
  const signal = isRateLimiter(options) ? undefined : options.signal;
  const counters: Counters = { passed: 0, delayed: 0, waitMs: 0, discarded: 0 };
  const run = (source: Source<T>, context?: StageContext): AsyncIterableIterator<T> => {
    return new RateLimitIterator(
      checkSource<T>('rateLimit', source),
      limiter,
      clock,
      counters,
      signal,
      context?.signal,
    );
  };
  return Object.assign(run, {
    limiter,
    wrap: <A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>) => limiter.wrap(fn),
    stats: (): RateLimitStats => ({ ...counters, limiter: limiter.stats() }),
  });
}

/**
 * Limits a function with a new token bucket: each call waits for a token first.
 * The same as `rateLimiter(options).wrap(fn)`.
 */
rateLimit.wrap = <A extends unknown[], R>(
  fn: (...args: A) => R | PromiseLike<R>,
  options: RateLimiterOptions,
): ((...args: A) => Promise<Awaited<R>>) => rateLimiter(options).wrap(fn);

/** Protocol-direct iterator; when a token is free an item costs one bucket check. */
class RateLimitIterator<T> extends PassThroughIterator<T> {
  /** Aborted when the run ends and by either abort signal: cancels a pending token wait. */
  private readonly stop = new AbortController();
  private readonly disposeSignals: () => void;
  /** Mirrors `stop.signal.aborted` as a plain field: read once per item. */
  private stopped = false;

  constructor(
    source: Source<T>,
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly counters: Counters,
    ...signals: (AbortSignal | undefined)[]
  ) {
    super('rateLimit', source);
    this.stop.signal.addEventListener('abort', () => {
      this.stopped = true;
    });
    this.racePulls = signals.some((signal) => signal !== undefined);
    this.disposeSignals = onAnyAbort(signals, (reason) => {
      this.stop.abort(new AbortedError(reason));
      this.cutPendingPull(this.stop.signal.reason);
    });
  }

  protected countDiscarded(): void {
    this.counters.discarded++;
  }

  protected readonly nextNow = (): Promise<IteratorResult<T>> => {
    if (this.finished) return Promise.resolve(DONE);
    if (this.stopped) return this.track(this.abortNow());
    const syncIt = this.syncIt;
    if (syncIt === undefined) return this.pullFast(this.asyncIt!);
    let result: IteratorResult<T>;
    try {
      result = syncIt.next();
    } catch (error) {
      return this.failed(error);
    }
    if (!isIteratorResult(result)) return this.invalid(result);
    if (result.done) return this.ended();
    if (this.limiter.tryAcquire()) {
      this.counters.passed++;
      return Promise.resolve(result);
    }
    return this.track(this.waitAndPass(result));
  };

  protected readonly onPulled = (
    result: IteratorResult<T>,
  ): IteratorResult<T> | Promise<IteratorResult<T>> => {
    const outer = this.fastPending;
    if (result.done) return this.endedFast(outer);
    if (this.finished) {
      this.releaseTail(outer);
      this.counters.discarded++;
      return DONE;
    }
    if (this.limiter.tryAcquire()) {
      this.releaseTail(outer);
      this.counters.passed++;
      return result;
    }
    return this.releaseTailAfter(this.waitAndPass(result), outer);
  };

  private async waitAndPass(result: IteratorResult<T>): Promise<IteratorResult<T>> {
    this.counters.delayed++;
    const startedAt = this.clock.now();
    try {
      await this.limiter.acquire({ signal: this.stop.signal });
    } catch (error) {
      this.counters.discarded++;
      if (this.finished) return DONE; // return() while waiting
      if (this.stopped) return this.abortNow();
      await this.close();
      throw error; // the shared limiter's own signal aborted
    } finally {
      this.counters.waitMs += this.clock.now() - startedAt;
    }
    if (this.finished) {
      this.counters.discarded++;
      return DONE;
    }
    this.counters.passed++;
    return result;
  }

  private async abortNow(): Promise<never> {
    const reason = this.stop.signal.reason;
    await this.close();
    throw reason instanceof AbortedError ? reason : new AbortedError(reason);
  }

  /** Marks the run finished: drops the signal listeners and cancels a pending token wait. */
  protected finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.disposeSignals();
    this.stop.abort();
  }
}
