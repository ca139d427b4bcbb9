import { DONE } from '../internal/done.js';
import { checkSource } from '../internal/source.js';
import { isRateLimiter } from '../rate/is-rate-limiter.js';
import {
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimiterStats,
  rateLimiter,
} from '../rate/rate-limiter.js';
import type { Source, Stage, StageContext } from '../stage.js';
import { PassThroughRun, type StepResult } from './pass-through.js';

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
  /**
   * The token bucket, shared by every run of this stage. To limit plain function calls with
   * the same bucket, use `stage.limiter.wrap(fn)`.
   */
  readonly limiter: RateLimiter;
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
 * functions. Plain function calls are limited one way only: `rateLimiter(options).wrap(fn)`
 * (or `stage.limiter.wrap(fn)` for the stage's own bucket).
 *
 * - Early exit: stops waiting, returns its source, clears its timer.
 * - Abort (`options.signal` or the `pipeline()` signal): the same, then rejects with an
 *   `AbortError`. The full pass-through protocol is stated in `pass-through.ts`.
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
  const signal = isRateLimiter(options) ? undefined : options.signal;
  const counters: Counters = { passed: 0, delayed: 0, waitMs: 0, discarded: 0 };
  const run = (source: Source<T>, context?: StageContext): AsyncIterableIterator<T> => {
    return new RateLimitRun(checkSource<T>('rateLimit', source), limiter, counters, [
      signal,
      context?.signal,
    ]);
  };
  return Object.assign(run, {
    limiter,
    stats: (): RateLimitStats => ({ ...counters, limiter: limiter.stats() }),
  });
}

/**
 * One run of the stage (the protocol is in `pass-through.ts`). An item that finds a free token
 * costs one bucket check.
 */
class RateLimitRun<T> extends PassThroughRun<T> {
  constructor(
    source: Source<T>,
    private readonly limiter: RateLimiter,
    private readonly counters: Counters,
    signals: (AbortSignal | undefined)[],
  ) {
    super('rateLimit', source, signals);
  }

  protected countDiscarded(): void {
    this.counters.discarded++;
  }

  protected step(): StepResult<T> {
    if (this.finished) return DONE;
    if (this.abortError) return this.abortNow();
    return this.puller.pull(this.pass);
  }

  /** A pulled item passes when a token is free, else it waits for one. */
  private readonly pass = (result: IteratorResult<T>): StepResult<T> => {
    if (result.done) return DONE;
    if (this.finished) {
      this.counters.discarded++;
      return DONE;
    }
    if (this.limiter.tryAcquire()) {
      this.counters.passed++;
      return result;
    }
    return this.waitAndPass(result);
  };

  private async waitAndPass(result: IteratorResult<T>): Promise<IteratorResult<T>> {
    this.counters.delayed++;
    const clock = this.limiter.clock;
    const startedAt = clock.now();
    try {
      await this.limiter.acquire({ signal: this.stop.signal });
    } catch (error) {
      this.counters.discarded++;
      if (this.abortError) return this.abortNow();
      if (this.finished) return DONE; // return() while waiting
      await this.close();
      throw error; // the shared limiter's own signal aborted
    } finally {
      this.counters.waitMs += clock.now() - startedAt;
    }
    if (this.finished) {
      this.counters.discarded++;
      return DONE;
    }
    this.counters.passed++;
    return result;
  }
}
