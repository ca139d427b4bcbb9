import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { type ConnectionOptions, Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { AbortedError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import { onAbort } from '../internal/signal.js';
import * as v from '../internal/validate.js';
import { checkRedisSettings } from './check-redis.js';
import { type RedisHealthOptions, redisHealth } from './fleet-options.js';
import { JobSettledError } from './job-settled-error.js';
import { RedisUnavailableError } from './redis-unavailable-error.js';
import { dropConnection, watchRedis } from './redis-watch.js';

/** One job a {@link queueSource} fetched, held under its lock until settled. */
export interface QueueJob<T, R = unknown> {
  /** The BullMQ job id (the `jobId` the producer gave, when it gave one). */
  readonly id: string;
  readonly data: T;
  /** Which delivery this is: 1 the first time, 2 after a stalled redelivery or a retry, … */
  readonly attempt: number;
  /**
   * Moves the job to the completed set with `value` as its return value, and stops extending
   * its lock. Rejects with a `JobSettledError` when the job was already settled, and with
   * BullMQ's error when the lock was lost (the job stalled and went back to the queue).
   */
  complete(value?: R): Promise<void>;
  /**
   * Fails the job with `error` (an `Error`, or anything, wrapped in one): BullMQ retries it if
   * the job's `attempts` allow, else moves it to the failed set with the message as reason.
   */
  fail(error: unknown): Promise<void>;
  /** The underlying BullMQ job (`updateProgress`, `updateData`, `log`, …). */
  readonly job: Job<T, R>;
}

/** Options of {@link queueSource}. */
export interface QueueSourceOptions extends RedisHealthOptions {
  /** Where Redis is: ioredis options or a URL-parsed object. Workers need `maxRetriesPerRequest: null` (set for you). */
  connection: ConnectionOptions;
  /** Stops fetching and ends the iteration with an `AbortError`; held jobs are not settled. */
  signal?: AbortSignal;
  /** How long a held job's lock lasts; it is extended every half of it until settled. @default 30 000 */
  lockDuration?: number;
  /** How often this worker checks the queue for stalled jobs (dead workers' locks). @default 30 000 */
  stalledInterval?: number;
  /** Stalls after which a job fails instead of coming back. @default 1 */
  maxStalledCount?: number;
  /** BullMQ key prefix. @default 'bull' */
  prefix?: string;
  /**
   * BullMQ's queue-wide rate limiter: at most `max` jobs fetched per `duration` ms by all
   * workers together (each worker should give the same). Without it the source still runs a
   * limiter too high to ever bind (`max` 10^15 per second), because BullMQ honours
   * `queue.rateLimit(ms)` (the fleet pause of `pauseFleetWhileOpen`) only for workers that have one.
   * @default { max: 1e15, duration: 1000 }
   */
  limiter?: { max: number; duration: number };
  /**
   * Longest wait between fetch attempts while the queue has jobs but hands none out (global
   * concurrency reached, or the queue rate-limited); waits start at 5 ms and double up to it.
   * @default 250
   */
  maxFetchWait?: number;
}

/** Counters of a {@link queueSource}. */
export interface QueueSourceStats {
  /** Jobs fetched (moved to active under this source's locks). */
  readonly fetched: number;
  /** Jobs fetched and not yet settled. */
  readonly held: number;
  readonly completed: number;
  readonly failed: number;
  /** Fetches that came back empty while the queue had jobs (limit reached or rate-limited). */
  readonly limitedWaits: number;
  /** Lock extensions made (one per held job per renewal). */
  readonly lockExtensions: number;
  /** Lock extensions BullMQ refused (the job had stalled: another worker may have it now). */
  readonly lostLocks: number;
}

/** What {@link queueSource} returns: an async iterable of held jobs, with controls. */
export interface QueueSource<T, R = unknown> extends AsyncIterableIterator<QueueJob<T, R>> {
  stats(): QueueSourceStats;
  /** The processor-less BullMQ worker that fetches (for `rateLimit` and events). */
  readonly worker: Worker<T, R>;
  /** A `Queue` on the same name and connection (counts, `rateLimit`, global concurrency). */
  readonly queue: Queue<T, R>;
  /**
   * Stops fetching and closes the Redis connections now, settling nothing: held jobs go back
   * to the queue through another worker's stalled check.
   */
  close(): Promise<void>;
}

/**
 * Pulls jobs from a BullMQ queue one at a time, as an async iterable: one `next()` fetches one
 * job (BullMQ's manual fetching: a `Worker` without a processor and `getNextJob` with a token
 * of ours), so a worker holds only the jobs its pipeline has pulled. Each held job's lock is
 * extended until it is settled with `complete()` or `fail()`; the stalled-job checker runs, so
 * a killed worker's jobs come back to the queue. BullMQ's global concurrency and queue-wide
 * rate limit apply to every fetch (then the source waits, with a short backoff, not spinning).
 *
 * Early exit (`break`, `return()`) stops fetching; the connections close once every job
 * already handed out is settled. Abort (`signal`) or `close()` stops at once and settles
 * nothing: unsettled jobs return to the queue when their locks expire. Unlike BullMQ's own
 * `Worker`, nothing runs a processor: the job is done when your code says so.
 *
 * @throws `TypeError` / `RangeError` at once for a bad option; a `RedisUnavailableError` from
 *   `next()` when Redis stays away past `redisTimeout`.
 * @example
 * ```ts
 * const jobs = queueSource<Task>('captcha', { connection, signal, lockDuration: 60_000 });
 * for await (const job of jobs) {
 *   try { await job.complete(await solve(job.data)); }
 *   catch (error) { await job.fail(error); }
 * }
 * ```
 */
export function queueSource<T = unknown, R = unknown>(
  queueName: string,
  options: QueueSourceOptions,
): QueueSource<T, R> {
  v.string('queueName', queueName, { nonEmpty: true });
  const opts = v.object<QueueSourceOptions>('options', options);
  const connection = v.object<ConnectionOptions>('connection', opts.connection);
  const signal = v.optional(opts.signal, undefined, (x) => v.signal('signal', x));
  const lockDuration = v.optional(opts.lockDuration, 30_000, (x) =>
    v.duration('lockDuration', x, { min: 100 }),
  );
  const stalledInterval = v.optional(opts.stalledInterval, 30_000, (x) =>
    v.duration('stalledInterval', x, { min: 100 }),
  );
  const maxStalledCount = v.optional(opts.maxStalledCount, 1, (x) =>
    v.integer('maxStalledCount', x, { min: 0 }),
  );
  const prefix = v.optional(opts.prefix, undefined, (x) =>
    v.string('prefix', x, { nonEmpty: true }),
  );
  const maxFetchWait = v.optional(opts.maxFetchWait, 250, (x) =>
    v.duration('maxFetchWait', x, { min: 5 }),
  );
  const limiter = v.optional(opts.limiter, { max: 1e15, duration: 1_000 }, (x) => {
    const l = v.object<{ max: number; duration: number }>('limiter', x);
    return {
      max: v.integer('limiter.max', l.max, { min: 1 }),
      duration: v.duration('limiter.duration', l.duration, { min: 1 }),
    };
  });
  const health = redisHealth(opts);

  const shared = {
    connection: { ...connection, maxRetriesPerRequest: null } as ConnectionOptions,
    ...(prefix === undefined ? {} : { prefix }),
  };
  const worker = new Worker<T, R>(queueName, null, {
    ...shared,
    autorun: false,
    limiter,
    lockDuration,
    stalledInterval,
    maxStalledCount,
  });
  const queue = new Queue<T, R>(queueName, shared);
  // Errors surface through next(); without a listener an EventEmitter 'error' would throw.
  worker.on('error', () => {});
  queue.on('error', () => {});

  const tokenBase = randomUUID();
  let tokens = 0;
  const held = new Map<string, { job: Job<T, R>; token: string }>();
  const counters = {
    fetched: 0,
    completed: 0,
    failed: 0,
    limitedWaits: 0,
    lockExtensions: 0,
    lostLocks: 0,
  };
  const stop = new AbortController();
  // Every concurrent fetch may sleep on it while the queue is at its limit.
  setMaxListeners(Number.POSITIVE_INFINITY, stop.signal);
  let stopping = false;
  let closed: Promise<void> | undefined;
  let failure: unknown;
  let lockTimer: ReturnType<typeof setInterval> | undefined;
  let disposeWatch: (() => void) | undefined;
  let started: Promise<void> | undefined;
  // Resolves when fetching stops: a next() waiting on Redis (blocked, or Redis away) ends then.
  let wake!: () => void;
  const stopped = new Promise<void>((resolve) => {
    wake = resolve;
  });

  const disposeAbort = onAbort(signal, () => {
    failure ??= new AbortedError(signal?.reason);
    void close();
  });
  const isConnectionError = (error: unknown): boolean =>
    error instanceof Error && /connection|ECONN|closed/i.test(error.message);

  const start = async (): Promise<void> => {
    const client = (await queue.getBackend().client) as unknown as Redis;
    disposeWatch = watchRedis(client, health.redisTimeout, (error: RedisUnavailableError) => {
      failure ??= error;
      void close();
    });
    void worker.startStalledCheckTimer().catch(() => {});
    if (health.onRedisWarning) {
      const report = await checkRedisSettings(client);
      for (const warning of report.warnings) health.onRedisWarning(warning);
    }
  };

  const extendLocks = async (): Promise<void> => {
    await Promise.all(
      [...held.values()].map(async ({ job, token }) => {
        try {
          await job.extendLock(token, lockDuration);
          counters.lockExtensions++;
        } catch (error) {
          // A refused extension means the lock is gone (the job stalled); a connection error
          // is retried at the next tick, the lock lasting a full lockDuration meanwhile.
          if (!isConnectionError(error)) counters.lostLocks++;
        }
      }),
    );
  };

  const syncLockTimer = (): void => {
    if (held.size > 0 && lockTimer === undefined && !closed) {
      lockTimer = setInterval(() => void extendLocks(), Math.max(50, lockDuration / 2));
    } else if (held.size === 0 && lockTimer !== undefined) {
      clearInterval(lockTimer);
      lockTimer = undefined;
    }
  };

  // Fetching stops at once (closing the worker also ends a fetch blocked in Redis); the queue
  // connection, which settles and renews held jobs, stays until they are settled.
  let workerClosed: Promise<void> | undefined;
  const stopFetching = (): Promise<void> => {
    stopping = true;
    stop.abort();
    wake();
    workerClosed ??= worker.close(true).catch(() => {});
    return workerClosed;
  };
  const close = (): Promise<void> => {
    if (closed) return closed;
    if (lockTimer !== undefined) clearInterval(lockTimer);
    lockTimer = undefined;
    disposeAbort();
    closed = (async () => {
      disposeWatch?.();
      // With Redis gone, QUIT would wait for it forever: drop the connection first.
      if (failure instanceof RedisUnavailableError) await dropConnection(queue);
      await stopFetching();
      await queue.close().catch(() => {});
    })();
    return closed;
  };

  const wrap = (job: Job<T, R>, token: string): QueueJob<T, R> => {
    const id = job.id as string;
    let settled = false;
    const settle = async (kind: 'completed' | 'failed', move: () => Promise<unknown>) => {
      if (settled) throw new JobSettledError(id);
      settled = true;
      try {
        await move();
        counters[kind]++;
      } finally {
        held.delete(id);
        syncLockTimer();
        if (stopping && held.size === 0) void close();
      }
    };
    return {
      id,
      data: job.data,
      attempt: Math.max(1, job.attemptsStarted),
      job,
      complete: (value?: R) =>
        settle('completed', () => job.moveToCompleted(value as R, token, false)),
      fail: (error: unknown) =>
        settle('failed', () =>
          job.moveToFailed(error instanceof Error ? error : new Error(String(error)), token, false),
        ),
    };
  };

  const fetchOne = async (): Promise<IteratorResult<QueueJob<T, R>>> => {
    started ??= start();
    await started;
    let block = true;
    let wait = 5;
    for (;;) {
      if (stopping) return finish();
      const token = `${tokenBase}:${++tokens}`;
      const fetched = await worker.getNextJob(token, { block });
      if (fetched) {
        if (stopping) {
          // Fetched as we stopped: leave it to the stalled checker rather than settle it.
          return finish();
        }
        counters.fetched++;
        // Bound to the queue's connection, so it can be settled after fetching has stopped.
        const job = Job.fromJSON<T, R>(queue, fetched.asJSON(), fetched.id) as Job<T, R>;
        held.set(job.id as string, { job, token });
        syncLockTimer();
        return { done: false, value: wrap(job, token) };
      }
      if (stopping) return finish();
      const counts = await queue.getJobCounts('waiting', 'prioritized');
      if ((counts.waiting ?? 0) + (counts.prioritized ?? 0) === 0) {
        // Empty: the next fetch blocks on BullMQ's marker until a job arrives.
        block = true;
        wait = 5;
        continue;
      }
      // Jobs wait but none was handed out: global concurrency reached or rate-limited.
      counters.limitedWaits++;
      block = false;
      const ttl = await queue.getRateLimitTtl();
      try {
        await systemClock.sleep(Math.max(wait, Math.min(ttl, 60_000)), stop.signal);
      } catch {
        return finish();
      }
      wait = Math.min(wait * 2, maxFetchWait);
    }
  };

  // The error that stopped the source is thrown once; later calls see the end.
  let failureThrown = false;
  const finish = (): IteratorResult<QueueJob<T, R>> => {
    if (failure !== undefined && !failureThrown) {
      failureThrown = true;
      throw failure;
    }
    return { done: true, value: undefined };
  };

  const iterator: QueueSource<T, R> = {
    worker,
    queue,
    close,
    stats: () => ({ ...counters, held: held.size }),
    next: () => {
      // Each next() fetches one job; calls made before earlier ones resolve fetch concurrently
      // (as BullMQ's own worker does up to its concurrency), each with its own token.
      const fetched = fetchOne();
      const outcome = Promise.race([
        fetched.then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        ),
        stopped.then(() => ({})),
      ]);
      return outcome.then(async (o): Promise<IteratorResult<QueueJob<T, R>>> => {
        if ('result' in o) return o.result;
        if (!('error' in o)) return finish();
        const error = o.error;
        if (error === failure) {
          await close();
          throw error;
        }
        if (stopping) return finish();
        failure = error;
        failureThrown = true;
        await close();
        throw error;
      });
    },
    return: async () => {
      await stopFetching();
      if (held.size === 0) await close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}
