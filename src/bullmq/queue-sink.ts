import type { JobsOptions, JobType } from 'bullmq';
import type { Redis } from 'ioredis';
import { AbortedError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import { onAnyAbort } from '../internal/signal.js';
import { checkSource } from '../internal/source.js';
import * as v from '../internal/validate.js';
import type { Source, StageContext } from '../stage.js';
import { checkRedisSettings } from './check-redis.js';
import { type RedisHealthOptions, redisHealth } from './fleet-options.js';
import { watchRedis } from './redis-watch.js';

/** Options of {@link queueSink}. */
export interface QueueSinkOptions<T> extends RedisHealthOptions {
  /**
   * Backlog (waiting + prioritized + delayed + active jobs) at which the sink stops pulling its
   * source. With P producers on one queue the backlog never exceeds `highWaterMark + P - 1`.
   * An integer from 1.
   */
  highWaterMark: number;
  /** The job id for an item: enqueueing becomes idempotent (BullMQ ignores an existing id). */
  jobId?: (item: T) => string;
  /** The job name, or a function of the item. @default 'task' */
  name?: string | ((item: T) => string);
  /** BullMQ priority (1 is the highest; none means FIFO), or a function of the item. */
  priority?: number | ((item: T) => number | undefined);
  /** Other BullMQ job options for every job (`attempts`, `backoff`, `removeOnComplete`, …). */
  jobOptions?: JobsOptions;
  /** Stops the sink: it returns its source and rejects with an `AbortError`. */
  signal?: AbortSignal;
  /** Longest wait between backlog reads while at the mark; waits start at 20 ms and double. @default 1000 */
  maxWait?: number;
  /** Clock for those waits and `waitedMs`. @default systemClock */
  clock?: Clock;
}

/** Counters of a {@link queueSink}, over all its runs. */
export interface QueueSinkStats {
  /** Items handed to `queue.add` (an existing `jobId` is counted, and added nothing). */
  readonly added: number;
  /** The backlog at the last read. */
  readonly backlog: number;
  /** The largest backlog read. */
  readonly peakBacklog: number;
  /** Times the sink found the backlog at the mark and stopped pulling. */
  readonly waits: number;
  /** Milliseconds the source spent not pulled because of the mark. */
  readonly waitedMs: number;
  readonly highWaterMark: number;
}

/** What {@link queueSink} returns: the last step of a `pipeline()`. */
export interface QueueSink<T> {
  (source: Source<T>, context?: StageContext): Promise<QueueSinkStats>;
  stats(): QueueSinkStats;
}

/** What {@link queueSink} needs of a BullMQ `Queue` (any `Queue<T>` fits). */
export interface SinkQueue<T = never> {
  add(name: never, data: T, opts?: JobsOptions): Promise<unknown>;
  getJobCounts(...types: JobType[]): Promise<Record<string, number>>;
  getBackend(): { readonly client: Promise<unknown> };
}

const BACKLOG = ['waiting', 'prioritized', 'delayed', 'active'] as const;

/** Waiting + prioritized + delayed + active jobs of `queue`. */
export async function queueBacklog(queue: SinkQueue<never>): Promise<number> {
  const counts = await queue.getJobCounts(...BACKLOG);
  let total = 0;
  for (const kind of BACKLOG) total += counts[kind] ?? 0;
  return total;
}

/**
 * Adds every item of its source to a BullMQ queue, pulling the next item only while the
 * queue's backlog (waiting + prioritized + delayed + active) is below `highWaterMark`: a
 * producer on any machine waits for the fleet's workers. It reads the backlog before each add
 * (one `getJobCounts`), and while at the mark re-reads it on a timer that backs off from 20 ms
 * to `maxWait`, never in a tight loop. With `jobId`, a restarted producer that re-reads its
 * input adds nothing twice (as long as finished jobs are kept or collected, see
 * `removeOnComplete`). Resolves with the counters when the source ends.
 *
 * The bound: each producer adds only after reading a backlog below the mark, and only workers
 * run between the read and the add (they only lower it), so with P producers the backlog
 * stays at most `highWaterMark + P - 1`. Unlike `queue.addBulk`, nothing is buffered in memory.
 *
 * Abort (`options.signal` or the `pipeline()` signal): stops, returns the source, rejects with
 * an `AbortError`. A source error returns nothing and rejects with that error. Redis away past
 * `redisTimeout`: rejects with a `RedisUnavailableError`. The queue is the caller's to close.
 *
 * @throws `TypeError` / `RangeError` at once for a bad option.
 * @example
 * ```ts
 * const queue = new Queue<Task>('captcha', { connection });
 * const summary = await pipeline(
 *   scrape(),
 *   queueSink(queue, { highWaterMark: 500, jobId: (task) => String(task.id) }),
 * );
 * console.log(summary.added, summary.waitedMs);
 * ```
 */
export function queueSink<T>(queue: SinkQueue<T>, options: QueueSinkOptions<T>): QueueSink<T> {
  if (
    typeof queue !== 'object' ||
    queue === null ||
    typeof (queue as SinkQueue<T>).add !== 'function'
  ) {
    v.func('queue.add', undefined);
  }
  const opts = v.object<QueueSinkOptions<T>>('options', options);
  const highWaterMark = v.integer('highWaterMark', opts.highWaterMark, { min: 1 });
  const jobId = v.optional(opts.jobId, undefined, (x) => v.func<(item: T) => string>('jobId', x));
  const name =
    typeof opts.name === 'function'
      ? opts.name
      : v.optional(opts.name, 'task', (x) => v.string('name', x, { nonEmpty: true }));
  const priority =
    typeof opts.priority === 'function'
      ? opts.priority
      : v.optional(opts.priority, undefined, (x) => v.integer('priority', x, { min: 0 }));
  const jobOptions = v.optional(opts.jobOptions, {}, (x) => v.object<JobsOptions>('jobOptions', x));
  const signal = v.optional(opts.signal, undefined, (x) => v.signal('signal', x));
  const maxWait = v.optional(opts.maxWait, 1_000, (x) => v.duration('maxWait', x, { min: 20 }));
  const clock = v.optional(opts.clock, systemClock, (x) => v.clock<Clock>('clock', x));
  const health = redisHealth(opts);

  const counters = { added: 0, backlog: 0, peakBacklog: 0, waits: 0, waitedMs: 0 };
  const stats = (): QueueSinkStats => ({ ...counters, highWaterMark });
  const readBacklog = async (): Promise<number> => {
    const backlog = await queueBacklog(queue as SinkQueue<never>);
    counters.backlog = backlog;
    counters.peakBacklog = Math.max(counters.peakBacklog, backlog);
    return backlog;
  };

  const run = async (source: Source<T>, context?: StageContext): Promise<QueueSinkStats> => {
    checkSource('queueSink', source);
    const stop = new AbortController();
    let failure: unknown;
    const fail = (error: unknown): void => {
      failure ??= error;
      stop.abort();
    };
    const disposeAbort = onAnyAbort([signal, context?.signal], (reason) =>
      fail(new AbortedError(reason)),
    );
    const client = (await queue.getBackend().client) as Redis;
    const disposeWatch = watchRedis(client, health.redisTimeout, fail);
    const iterator =
      Symbol.asyncIterator in source
        ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
        : (source as Iterable<T>)[Symbol.iterator]();
    // Any wait of ours also ends when the sink is stopped (abort, Redis gone).
    const guard = <R>(work: Promise<R>): Promise<R> =>
      new Promise<R>((resolve, reject) => {
        if (stop.signal.aborted) return reject(failure);
        const onStop = (): void => reject(failure);
        stop.signal.addEventListener('abort', onStop, { once: true });
        work.then(resolve, reject).finally(() => stop.signal.removeEventListener('abort', onStop));
      });
    let sourceDone = false;
    let sourceFailed = false;
    try {
      if (health.onRedisWarning) {
        const report = await guard(checkRedisSettings(client));
        for (const warning of report.warnings) health.onRedisWarning(warning);
      }
      for (;;) {
        let backlog = await guard(readBacklog());
        if (backlog >= highWaterMark) {
          counters.waits++;
          const since = clock.now();
          let wait = 20;
          while (backlog >= highWaterMark) {
            await clock.sleep(wait, stop.signal).catch(() => {
              throw failure;
            });
            wait = Math.min(wait * 2, maxWait);
            backlog = await guard(readBacklog());
          }
          counters.waitedMs += clock.now() - since;
        }
        let next: IteratorResult<T>;
        try {
          next = await guard(Promise.resolve(iterator.next()));
        } catch (error) {
          if (error !== failure) sourceFailed = true;
          throw error;
        }
        if (next.done) {
          sourceDone = true;
          break;
        }
        const item = next.value;
        const itemPriority = typeof priority === 'function' ? priority(item) : priority;
        await guard(
          queue.add((typeof name === 'function' ? name(item) : name) as never, item, {
            ...jobOptions,
            ...(jobId === undefined ? {} : { jobId: jobId(item) }),
            ...(itemPriority === undefined ? {} : { priority: itemPriority }),
          }),
        );
        counters.added++;
      }
      return stats();
    } finally {
      disposeAbort();
      disposeWatch();
      if (!sourceDone && !sourceFailed) await iterator.return?.();
    }
  };

  return Object.assign(run, { stats });
}
