/**
 * A token bucket in exact arithmetic. The level is kept in units of `token × interval`, so
 * with integer clock times, `rate` and `interval` every step is an exact integer operation:
 * one token costs `interval` units and `rate` units flow in per millisecond, up to
 * `burst × interval`. The bucket starts full. This file imports nothing.
 *
 * Bound: tokens taken in any closed time window of length `w` number at most
 * `burst + floor(rate × w / interval)` (at most `burst` were stored at the first take, and
 * `rate × w / interval` flowed in since).
 */
export class TokenBucket {
  private level: number;
  private readonly capacity: number;

  constructor(
    readonly rate: number,
    readonly interval: number,
    readonly burst: number,
    private last: number,
  ) {
    this.capacity = burst * interval;
    this.level = this.capacity;
  }

  private refill(now: number): void {
    if (now > this.last) {
      const level = this.level + (now - this.last) * this.rate;
      this.level = Math.min(level, this.capacity);
      this.last = now;
    }
  }

  /** Takes one token when one is available at `now`. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.level >= this.interval) {
      this.level -= this.interval;
      return true;
    }
    return false;
  }

  /**
   * Whole milliseconds from `now` until a token is available (0 when one is). Rounded up, so
   * a waiter never wakes early and always makes progress.
   */
  waitTime(now: number): number {
    this.refill(now);
    const missing = this.interval - this.level;
    return missing <= 0 ? 0 : Math.ceil(missing / this.rate);
  }

  /** Tokens available at `now` (fractional). */
  tokens(now: number): number {
    this.refill(now);
    return this.level / this.interval;
  }
}
