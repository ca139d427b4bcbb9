import type { RateLimiter } from './rate-limiter.js';

/**
 * True when `value` is a {@link RateLimiter} (one made by `rateLimiter()`, or any object with
 * its `acquire` and `tryAcquire`), so a stage can take either a shared limiter or options
 * for a new one.
 */
export function isRateLimiter(value: unknown): value is RateLimiter {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RateLimiter).acquire === 'function' &&
    typeof (value as RateLimiter).tryAcquire === 'function'
  );
}
