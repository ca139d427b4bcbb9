/**
 * Redis for the fleet tests. They use the server named by `REDIS_URL` (`.ci/run` starts one
 * on a free loopback port and exports it; locally, point it at any Redis you can wipe keys on).
 * Without `REDIS_URL` the tests skip with a message, except in CI (`CI` set), where a missing
 * Redis is a failure: the fleet tests must run there.
 *
 * Every test works under its own key prefix, so parallel copies of the suite never share a key,
 * and removes its keys afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe } from 'vitest';

/** The Redis the tests use, or undefined when none is configured. */
export const redisUrl: string | undefined = process.env.REDIS_URL || undefined;

const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

if (redisUrl === undefined && inCi) {
  throw new Error(
    'REDIS_URL is unset in CI: the fleet tests (test/bullmq) must run there. .ci/run starts redis-server and exports REDIS_URL.',
  );
}

/**
 * `describe` when Redis is available; otherwise a skipped `describe` whose name says why.
 */
export const describeWithRedis: typeof describe =
  redisUrl === undefined
    ? (Object.assign(
        (name: string, ...rest: unknown[]) =>
          (describe.skip as (n: string, ...r: unknown[]) => void)(
            `${name} (skipped: set REDIS_URL to a Redis server to run the fleet tests)`,
            ...rest,
          ),
        describe,
      ) as unknown as typeof describe)
    : describe;

/** Connection options for BullMQ from `REDIS_URL` (workers need `maxRetriesPerRequest: null`). */
export function connectionOptions(url = redisUrl): {
  host: string;
  port: number;
  maxRetriesPerRequest: null;
} {
  if (url === undefined) throw new Error('REDIS_URL is unset');
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    maxRetriesPerRequest: null,
  };
}

/** A prefix no other test (or copy of the suite) uses. */
export function uniquePrefix(label: string): string {
  return `bpk-test-${label}-${randomUUID().slice(0, 8)}`;
}

/** Removes every key under `prefix` (SCAN, not KEYS, so a shared server is not blocked). */
export async function deleteKeys(prefix: string, url = redisUrl): Promise<number> {
  const redis = new Redis({ ...connectionOptions(url), lazyConnect: false });
  let removed = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) removed += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return removed;
}

/**
 * Per-test queues: `freshQueue(label)` makes a BullMQ `Queue` under a fresh prefix; after each
 * test every `onCleanup` callback runs (last first), then the queue closes and its keys go.
 */
export function redisPerTest(name = 'jobs') {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    onCleanup(cleanup: () => Promise<unknown>): void {
      cleanups.push(cleanup);
    },
    async freshQueue<T>(label: string) {
      const prefix = uniquePrefix(label);
      const connection = connectionOptions();
      const queue = new Queue<T>(name, { connection, prefix });
      cleanups.push(async () => {
        await queue.close();
        await deleteKeys(prefix);
      });
      return { queue, prefix, connection };
    },
  };
}
