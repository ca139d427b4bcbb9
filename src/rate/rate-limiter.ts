import { AbortedError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import { noop } from '../internal/noop.js';
import { RingBuffer } from '../internal/ring-buffer.js';
import { onAbort } from '../internal/signal.js';
import * as validate from '../internal/validate.js';
import { TokenBucket } from './token-bucket.js';

/** Options of {@link rateLimiter} and `rateLimit`. */
export interface RateLimiterOptions {
  /** Tokens added per `interval`. A number above 0. */
  rate: number;
  /** Length of the refill period in ms. A number above 0. */
  interval: number;
  /** Bucket size: how many items may pass back to back after an idle time. An integer from 1 and up. @default 1 */
  burst?: number;
  /** Clock for refill and waiting. @default systemClock */
  clock?: Clock;
  /** Aborts every waiting and future `acquire()` with an `AbortError`. */
  signal?: AbortSignal;
}

/** Counters of a limiter. */
export interface RateLimiterStats {
  /** Tokens available now (fractional). */
  tokens: number;
  /** Callers waiting for a token. */
  waiting: number;
  /** Tokens handed out. */
  admitted: number;
  /** Acquires that had to wait. */
  delayed: number;
  /** Acquires rejected by an abort. */
  aborted: number;
  /** The configured tokens per `interval`. */
  rate: number;
  /** The configured interval, in ms. */
  interval: number;
  /** The configured bucket size. */
  burst: number;
}

/** A lossless token bucket shared by stages and functions. */
export interface RateLimiter {
  /**
   * Resolves when a token was taken for the caller. Callers are served first come, first
   * served. Rejects with an `AbortError` (and takes no token) when `signal` aborts first.
   */
  acquire(options?: { signal?: AbortSignal }): Promise<void>;
  /** Takes a token at once when one is free and nobody is waiting. */
  tryAcquire(): boolean;
  /** Returns `fn` with the same signature, each call waiting for a token first. */
  wrap<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
  ): (...args: A) => Promise<Awaited<R>>;
  /** Counters and configuration, now. */
  stats(): RateLimiterStats;
  /** The clock the bucket refills by. */
  readonly clock: Clock;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
  dispose(): void;
  /** Aborted while queued: skipped (and dropped) when it reaches the head of the queue. */
  cancelled: boolean;
}

const RESOLVED = Promise.resolve();

/** Validates limiter options (shared with `rateLimit`). */
export function parseRateLimiterOptions(options: unknown): Required<
  Omit<RateLimiterOptions, 'signal'>
> & {
  signal: AbortSignal | undefined;
} {
  const opts = validate.object<RateLimiterOptions>('options', options);
  const rate = validate.number('rate', opts.rate, { min: Number.MIN_VALUE });
  const interval = validate.duration('interval', opts.interval, { min: Number.MIN_VALUE });
  // One token's refill time is the longest wait: it must fit a timer too.
  validate.duration('interval / rate', interval / rate);
  return {
    rate,
    interval,
    burst: validate.optional(opts.burst, 1, (v) => validate.integer('burst', v, { min: 1 })),
    clock: validate.optional(opts.clock, systemClock, (v) => validate.clock<Clock>('clock', v)),
    signal: validate.optional(opts.signal, undefined, (v) => validate.signal('signal', v)),
  };
}

/**
 * Creates a lossless token bucket: `rate` tokens per `interval` ms, up to `burst` stored.
 * Callers beyond the rate wait (first come, first served); nothing is ever dropped.
 *
 * **Bound (exact under an injected clock):** in any closed time window of length `w` ms, at
 * most `burst + floor(rate × w / interval)` tokens are handed out. For example
 * `{ rate: 50, interval: 3_000, burst: 5 }` never admits more than 55 calls in any 3 s.
 *
 * The limiter holds a timer only while someone waits; aborting a waiter removes it from the
 * queue and, when it was the last, clears the timer.
 *
 * @throws TypeError / RangeError at once for a bad option.
 * @example
 * ```ts
 * const limiter = rateLimiter({ rate: 50, interval: 3_000, burst: 5 });
 * const submit = limiter.wrap((task: Task) => client.submit(task));
 * await Promise.all(tasks.map(submit)); // at most 55 submits in any 3 s window
 * ```
 */
export function rateLimiter(options: RateLimiterOptions): RateLimiter {
  return new Limiter(parseRateLimiterOptions(options));
}

class Limiter implements RateLimiter {
  private readonly bucket: TokenBucket;
  readonly clock: Clock;
  private readonly signal: AbortSignal | undefined;
  /** Waiters in arrival order; an aborted one stays as a cancelled record until it is shifted. */
  private readonly queue = new RingBuffer<Waiter>();
  /** Waiters in `queue` that are not cancelled. */
  private waiting = 0;
  private pumping = false;
  private timer: AbortController | undefined;
  private readonly counters = { admitted: 0, delayed: 0, aborted: 0 };

  constructor(config: ReturnType<typeof parseRateLimiterOptions>) {
    this.clock = config.clock;
    this.signal = config.signal;
    this.bucket = new TokenBucket(config.rate, config.interval, config.burst, this.clock.now());
    // Aborting the limiter rejects everyone waiting (future calls reject in acquire()).
    onAbort(this.signal, () => {
      while (this.queue.size > 0) {
        const waiter = this.queue.shift();
        if (waiter.cancelled) continue;
        waiter.dispose();
        this.counters.aborted++;
        waiter.reject(new AbortedError(this.signal?.reason));
      }
      this.waiting = 0;
      this.timer?.abort();
    });
  }

  tryAcquire(): boolean {
    if (this.waiting === 0 && this.bucket.tryTake(this.clock.now())) {
      this.counters.admitted++;
      return true;
    }
    return false;
  }

  acquire(options?: { signal?: AbortSignal }): Promise<void> {
    const signal = options?.signal;
    if (this.signal?.aborted) return Promise.reject(new AbortedError(this.signal.reason));
    if (signal?.aborted) return Promise.reject(new AbortedError(signal.reason));
    if (this.tryAcquire()) return RESOLVED;
    this.counters.delayed++;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, dispose: noop, cancelled: false };
      this.queue.push(waiter);
      this.waiting++;
      // `signal` is not aborted yet (checked above), so this listener cannot fire at once.
      waiter.dispose = onAbort(signal, () => {
        if (waiter.cancelled) return;
        waiter.cancelled = true;
        this.waiting--;
        this.counters.aborted++;
        if (this.waiting === 0) {
          this.queue.clear(); // only cancelled records are left
          this.timer?.abort();
        }
        reject(new AbortedError(signal?.reason));
      });
      this.pump();
    });
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.dropCancelled() > 0) {
        const now = this.clock.now();
        while (this.dropCancelled() > 0 && this.bucket.tryTake(now)) {
          const waiter = this.queue.shift();
          this.waiting--;
          waiter.dispose();
          this.counters.admitted++;
          waiter.resolve();
        }
        if (this.waiting === 0) break;
        const timer = new AbortController();
        this.timer = timer;
        try {
          await this.clock.sleep(this.bucket.waitTime(now), timer.signal);
        } catch {
          // Cancelled: the queue emptied by aborts; the loop condition ends it.
        }
      }
    } finally {
      this.pumping = false;
      this.timer = undefined;
    }
  }

  /** Shifts cancelled waiters off the head of the queue; returns the waiters left. */
  private dropCancelled(): number {
    while (this.queue.size > 0 && this.queue.peek()!.cancelled) this.queue.shift();
    return this.waiting;
  }

  wrap<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
  ): (...args: A) => Promise<Awaited<R>> {
    const f = validate.func<(...args: A) => R | PromiseLike<R>>('fn', fn);
    const limiter = this;
    return async function limited(this: unknown, ...args: A): Promise<Awaited<R>> {
      await limiter.acquire();
      return await f.apply(this, args);
    };
  }

  stats(): RateLimiterStats {
    return {
      ...this.counters,
      tokens: this.bucket.tokens(this.clock.now()),
      waiting: this.waiting,
      rate: this.bucket.rate,
      interval: this.bucket.interval,
      burst: this.bucket.burst,
    };
  }
}
