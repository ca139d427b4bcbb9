import * as v from '../internal/validate.js';
import { emitRedisWarning } from './check-redis.js';

/** Redis-health options shared by {@link queueSink} and {@link queueSource}. */
export interface RedisHealthOptions {
  /**
   * How long Redis may stay unreachable (ioredis keeps reconnecting meanwhile) before the part
   * stops with a `RedisUnavailableError`. Milliseconds, or `Infinity` to wait forever.
   * @default 60 000
   */
  redisTimeout?: number;
  /**
   * Called at start-up with each problem in the Redis settings (AOF off, a `maxmemory-policy`
   * other than `noeviction`), or `false` to skip the check.
   * @default a process warning with code `BPK_REDIS_SETTINGS`, once per message
   */
  onRedisWarning?: ((message: string) => void) | false;
}

/** Validated {@link RedisHealthOptions}. */
export interface RedisHealth {
  readonly redisTimeout: number;
  readonly onRedisWarning: ((message: string) => void) | undefined;
}

export function redisHealth(options: RedisHealthOptions): RedisHealth {
  const redisTimeout = v.optional(options.redisTimeout, 60_000, (x) =>
    v.duration('redisTimeout', x, { min: 1, allowInfinity: true }),
  );
  const onRedisWarning =
    options.onRedisWarning === false
      ? undefined
      : v.optional(options.onRedisWarning, emitRedisWarning, (x) =>
          v.func<(message: string) => void>('onRedisWarning', x),
        );
  return { redisTimeout, onRedisWarning };
}
