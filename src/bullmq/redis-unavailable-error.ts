import { BackpressureError } from '../errors.js';

/**
 * Redis stayed unreachable longer than the `redisTimeout` a fleet part was given. Until then
 * the part waits while ioredis reconnects (nothing is lost: jobs live in Redis); past it, the
 * part stops with this error instead of hanging. `downForMs` is how long Redis had been gone.
 *
 * @example
 * ```ts
 * try {
 *   await pipeline(tasks, queueSink(queue, { highWaterMark: 500, redisTimeout: 60_000 }));
 * } catch (error) {
 *   if (hasErrorCode(error, 'ERR_BPK_REDIS_UNAVAILABLE')) alertOperator(error.message);
 *   throw error;
 * }
 * ```
 */
export class RedisUnavailableError extends BackpressureError {
  /** Milliseconds Redis had been unreachable when the part gave up. */
  readonly downForMs: number;

  constructor(downForMs: number, cause?: unknown) {
    super(
      'ERR_BPK_REDIS_UNAVAILABLE',
      `Redis has been unreachable for ${Math.round(downForMs)} ms (past redisTimeout): giving up`,
      { cause },
    );
    this.name = 'RedisUnavailableError';
    this.downForMs = downForMs;
  }
}
