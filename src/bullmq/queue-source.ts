import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { type ConnectionOptions, Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { AbortedError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import { DONE } from '../internal/done.js';
import { onAbort } from '../internal/signal.js';
import * as v from '../internal/validate.js';
import { checkRedisSettings } from './check-redis.js';
import { type RedisHealthOptions, redisHealth } from './fleet-options.js';
import { JobSettledError } from './job-settled-error.js';
import { RedisUnavailableError } from './redis-unavailable-error.js';
import { dropConnection, watchRedis } from './redis-watch.js';

/**
 * One job a {@link queueSource} fetched, held under its lock until settled. Its own fields are
 * `id`, `data` and `attempt` (what `JSON.stringify` shows); `complete`, `fail` and `job` are
 * shared by every job of the source (nothing is made per job but the job), so call them on the
 * job (`job.complete(v)`), not detached.
 */
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
   * Longest wait between fetch attempts while the queue has jobs but hands none out because
   * global concurrency is reached; waits start at 5 ms and double up to it. A rate limit (a
   * fleet pause included) is waited out for its remaining time instead, and a paused queue is
   * waited on in Redis until it resumes.
   * @default 250
   */
  maxFetchWait?: number;
  /**
   * Jobs a settle may fetch ahead for the pipeline's next pulls. With it, `complete()` and
   * `fail()` ask BullMQ for the next job in the same Redis call that settles (as BullMQ's own
   * `Worker` does on completion), and the next `next()` takes that job without a round trip.
   * A settle only ever fetches one job in place of the one it settles, and only while fewer
   * than `prefetch` are ahead, so the jobs this source holds (pulled and unsettled, plus ahead)
   * never exceed either the most the pipeline has had pulled or pulling at once, or the jobs
   * pulled and unsettled now plus `prefetch`. Jobs ahead are active in Redis (they count
   * against global concurrency); when the source stops, they go back to the front of the
   * queue at once. 0: every job is fetched for a `next()` already made (by its own fetch, or
   * by a settle made while it waits), never ahead.
   * @default 0
   */
  prefetch?: number;
}

/** Counters of a {@link queueSource}. */
export interface QueueSourceStats {
  /** Jobs fetched (moved to active under this source's locks), by a pull or ahead by a settle. */
  readonly fetched: number;
  /** Jobs fetched and not yet settled: pulled by the pipeline, or ahead. */
  readonly held: number;
  /** Jobs fetched ahead by a settle and not yet pulled (part of `held`; at most `prefetch`). */
  readonly ahead: number;
  /** Jobs that came with a settle (`fetchNext`), in the same Redis call: for a waiting pull, or ahead. */
  readonly fetchedWithSettle: number;
  /** Jobs fetched ahead that went back to the queue unpulled when the source stopped. */
  readonly released: number;
  readonly completed: number;
  readonly failed: number;
  /**
   * Fetches that came back empty because global concurrency was reached or the queue was
   * rate-limited (a fleet pause included, on an empty queue too); each is followed by a wait.
   */
  readonly limitedWaits: number;
  /** Lock extensions made (one per held job per renewal). */
  readonly lockExtensions: number;
  /** Lock extensions BullMQ refused (the job had stalled: another worker may have it now). */
  readonly lostLocks: number;
  /**
   * Jobs pulled on a second or later delivery (`attempt > 1`): back after a stall (a worker
   * died or lost its lock), a release, or a failure BullMQ retried.
   */
  readonly redelivered: number;
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
   * to the queue through another worker's stalled check (jobs fetched ahead and never pulled
   * go back at once while Redis is reachable).
   */
  close(): Promise<void>;
}

/** A job under one of this source's locks. */
class Held<T, R> {
  /** The same job bound to the queue's connection, which outlives the worker; made on demand. */
  onQueue: Job<T, R> | undefined = undefined;
  /** `complete()` or `fail()` was called. */
  settled = false;
  constructor(
    /** As the worker fetched it: settles through the worker (with `fetchNext`, its limiter and lock options). */
    readonly job: Job<T, R>,
    readonly token: string,
  ) {}
}

/** What the jobs a source hands out call back into; one per source. */
interface JobOwner<T, R> {
  settle(entry: Held<T, R>, kind: 'completed' | 'failed', outcome: unknown): Promise<void>;
  onQueue(entry: Held<T, R>): Job<T, R>;
}

/**
 * A job as `next()` hands it out. Its methods live on the prototype, so a job costs this
 * object and its {@link Held} entry, not a set of closures: the hot path of a busy worker.
 */
class HandedOutJob<T, R> implements QueueJob<T, R> {
  readonly id: string;
  readonly data: T;
  readonly attempt: number;
  readonly #entry: Held<T, R>;
  readonly #owner: JobOwner<T, R>;
  constructor(entry: Held<T, R>, owner: JobOwner<T, R>) {
    this.id = entry.job.id as string;
    this.data = entry.job.data;
    this.attempt = Math.max(1, entry.job.attemptsStarted);
    this.#entry = entry;
    this.#owner = owner;
  }
  get job(): Job<T, R> {
    return this.#owner.onQueue(this.#entry);
  }
  complete(value?: R): Promise<void> {
    return this.#owner.settle(this.#entry, 'completed', value);
  }
  fail(error: unknown): Promise<void> {
    return this.#owner.settle(this.#entry, 'failed', error);
  }
}

/**
 * A pull waiting for a job, answered with its result: a job handed out, the end, or (a promise
 * of) the error that stopped the source.
 */
type Claim<T, R> = (
  result: IteratorResult<QueueJob<T, R>> | Promise<IteratorResult<QueueJob<T, R>>>,
) => void;

/** BullMQ's conversion of a fetched job's raw data (job schedulers, the drained flag); protected in its types. */
type NextJobFromJobData<T, R> = (
  jobData: unknown,
  jobId: string | undefined,
  token: string,
) => Promise<Job<T, R> | undefined>;

/**
 * Pulls jobs from a BullMQ queue as an async iterable: one `next()` hands out one job (BullMQ's
 * manual fetching: a `Worker` without a processor and `getNextJob` with a token of ours), so a
 * worker holds only the jobs its pipeline has pulled (plus, with `prefetch`, at most that many
 * fetched ahead by settles; see there for the exact bound). Each held job's lock is extended
 * (all of them in one Redis call) until it is settled with `complete()` or `fail()`; the
 * stalled-job checker runs, so a killed worker's jobs come back to the queue. BullMQ's global
 * concurrency and queue-wide rate limit apply to every fetch (then the source waits, with a
 * short backoff or for the limit's remaining time, not spinning). Waiting pulls are fetched
 * one at a time (as BullMQ's own worker fetches), and a settle made while pulls wait brings
 * the oldest its job in the same Redis call (BullMQ's `fetchNext`): a busy pipeline that pulls
 * its next job before it settles the last pays about one round trip per job, and still no job
 * is fetched before a `next()` asks for it. While the queue is empty or paused, that one fetch
 * waits in Redis for a job or the resume (BullMQ's blocking marker, as BullMQ's own worker
 * waits), the other pulls without calling Redis.
 *
 * Early exit (`break`, `return()`) stops fetching; jobs fetched ahead go back to the queue;
 * the connections close once every job already handed out is settled. Abort (`signal`) or
 * `close()` stops at once and settles nothing: unsettled jobs return to the queue when their
 * locks expire. Unlike BullMQ's own `Worker`, nothing runs a processor: the job is done when
 * your code says so.
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
  const prefetch = v.optional(opts.prefetch, 0, (x) => v.integer('prefetch', x, { min: 0 }));
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
  const nextJobFromJobData = (
    worker as unknown as { nextJobFromJobData: NextJobFromJobData<T, R> }
  ).nextJobFromJobData.bind(worker);

  const tokenBase = randomUUID();
  let tokens = 0;
  /** Handed out by next() and not yet settled. */
  const held = new Set<Held<T, R>>();
  /** Fetched ahead by a settle, not yet pulled (FIFO). */
  const ahead: Held<T, R>[] = [];
  /** Settles in flight that asked for the next job (`fetchNext`). */
  let reserving = 0;
  /**
   * Pulls waiting for a job (FIFO). Each is served by whichever job arrives first: one a settle
   * fetched in its own Redis call, or one the fetch loop got.
   */
  const claims: Claim<T, R>[] = [];
  /** The fetch loop runs (one `getNextJob` at a time, for claims no settle in flight covers). */
  let fetching = false;
  /** Settles in flight, and what waits for there to be none (a graceful stop). */
  let settles = 0;
  const settlesDone: (() => void)[] = [];
  const releasing = new Set<Promise<unknown>>();
  const counters = {
    fetched: 0,
    fetchedWithSettle: 0,
    released: 0,
    completed: 0,
    failed: 0,
    limitedWaits: 0,
    lockExtensions: 0,
    lostLocks: 0,
    redelivered: 0,
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
  let ready = false;
  // Resolves when fetching stops: a next() waiting for start-up (Redis away) ends then.
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

  /** The job bound to the queue's connection (the worker's closes when fetching stops). */
  const onQueue = (entry: Held<T, R>): Job<T, R> => {
    if (entry.onQueue === undefined) {
      const copy = Job.fromJSON<T, R>(queue, entry.job.asJSON(), entry.job.id) as Job<T, R>;
      copy.data = entry.job.data; // the same object: settleJobs finds jobs by their data
      copy.token = entry.token;
      entry.onQueue = copy;
    }
    return entry.onQueue;
  };

  const extendLocks = async (): Promise<void> => {
    const all = [...held, ...ahead];
    if (all.length === 0) return;
    if (!stopping) {
      // One Redis call for every held job, as BullMQ's own lock manager does.
      try {
        const refused = await worker.extendJobLocks(
          all.map((entry) => entry.job.id as string),
          all.map((entry) => entry.token),
          lockDuration,
        );
        counters.lockExtensions += all.length - refused.length;
        counters.lostLocks += refused.length;
      } catch {
        // A connection error: retried at the next tick, each lock lasting a full lockDuration.
      }
      return;
    }
    await Promise.all(
      all.map(async (entry) => {
        try {
          if (await onQueue(entry).extendLock(entry.token, lockDuration)) counters.lockExtensions++;
          else counters.lostLocks++;
        } catch (error) {
          if (!isConnectionError(error)) counters.lostLocks++;
        }
      }),
    );
  };

  const syncLockTimer = (): void => {
    const holding = held.size + ahead.length > 0;
    if (holding && lockTimer === undefined && !closed) {
      lockTimer = setInterval(() => void extendLocks(), Math.max(50, lockDuration / 2));
    } else if (!holding && lockTimer !== undefined) {
      clearInterval(lockTimer);
      lockTimer = undefined;
    }
  };

  /** Sends a job never handed out back to the front of the queue (best effort). */
  const release = (entry: Held<T, R>): void => {
    const done = onQueue(entry)
      .moveToWait(entry.token)
      .then(
        () => {
          counters.released++;
        },
        () => {}, // Redis away or the lock gone: the stalled check brings it back
      )
      .finally(() => {
        releasing.delete(done);
        syncLockTimer();
      });
    releasing.add(done);
  };
  const releaseAhead = async (): Promise<void> => {
    for (const entry of ahead.splice(0)) release(entry);
    await Promise.allSettled([...releasing]);
  };

  /** A fetched job: to the oldest pull waiting for one, else ahead (a settle's, with `prefetch`). */
  const deliver = (entry: Held<T, R>): void => {
    if (stopping) release(entry);
    else {
      const claim = claims.shift();
      if (claim) answer(claim, entry);
      else ahead.push(entry);
    }
    syncLockTimer();
  };

  /**
   * Whether a settle starting now fetches the next job in its Redis call: only for a pull
   * already waiting that no fetch in flight will serve (demand, not a guess), or, with
   * `prefetch`, while the jobs ahead and on their way stay under it. Either way the jobs
   * fetched and not yet pulled never exceed the pulls waiting plus `prefetch`.
   */
  const settleFetches = (): boolean =>
    !stopping && ahead.length + reserving + (fetching ? 1 : 0) < claims.length + prefetch;

  /**
   * Starts the fetch loop when pulls wait that no settle in flight will serve. It looks one
   * event-loop turn later: settles whose replies are already in (their callers complete the
   * next job at once) then carry the fetch instead of a `getNextJob` of its own.
   */
  let pumping = false;
  const pump = (): void => {
    if (pumping || fetching || stopping || claims.length <= reserving) return;
    pumping = true;
    setImmediate(pumpNow);
  };
  const pumpNow = (): void => {
    pumping = false;
    if (fetching || stopping || claims.length <= reserving) return;
    fetching = true;
    void fetchLoop().then(
      () => {
        fetching = false;
        pump();
      },
      (error: unknown) => {
        fetching = false;
        // The pull the failed fetch was for reports it, and the source stops.
        claims.shift()?.(failed(error));
      },
    );
  };

  /**
   * Fetches one job at a time (as BullMQ's own worker does, so concurrent pulls do not flood
   * Redis) while pulls wait that no settle in flight covers; settles that start meanwhile
   * bring jobs for the other waiting pulls.
   */
  const fetchLoop = async (): Promise<void> => {
    let wait = 5;
    while (!stopping && claims.length > reserving) {
      const token = `${tokenBase}:${++tokens}`;
      const fetched = await worker.getNextJob(token, { block: false });
      if (fetched) {
        counters.fetched++;
        wait = 5;
        deliver(new Held(fetched, token));
        continue;
      }
      if (stopping) return;
      // Why none came. Rate-limited (the limiter, or a fleet pause by `queue.rateLimit`): wait
      // the limit out. (With the limiter's max the TTL is the limit's, not that of the window
      // counter every fetch bumps.) Else empty or paused: block on BullMQ's marker, which a new
      // job or a resume sets. Else global concurrency is reached: poll with a short backoff.
      const ttl = await queue.getRateLimitTtl(limiter.max);
      if (ttl <= 0) {
        const counts = await queue.getJobCounts('waiting', 'prioritized');
        if ((counts.waiting ?? 0) + (counts.prioritized ?? 0) === 0 || (await queue.isPaused())) {
          wait = 5;
          // Until a job arrives or the queue resumes (or drainDelay passes).
          const arrived = await worker.getNextJob(token, { block: true });
          if (arrived) {
            counters.fetched++;
            deliver(new Held(arrived, token));
          }
          continue;
        }
      }
      counters.limitedWaits++;
      try {
        await systemClock.sleep(Math.max(wait, Math.min(ttl, 60_000)), stop.signal);
      } catch {
        return;
      }
      wait = Math.min(wait * 2, maxFetchWait);
    }
  };

  // Fetching stops at once (closing the worker also ends a fetch blocked in Redis); the queue
  // connection, which settles and renews held jobs, stays until they are settled. Gracefully
  // (early exit), settles in flight finish first and jobs fetched ahead go back to the queue.
  let workerClosed: Promise<void> | undefined;
  const stopFetching = (graceful: boolean): Promise<void> => {
    stopping = true;
    stop.abort();
    wake();
    for (const claim of claims.splice(0)) answer(claim, undefined);
    workerClosed ??= (async () => {
      if (graceful) {
        if (settles > 0) await new Promise<void>((resolve) => settlesDone.push(resolve));
        await releaseAhead();
      }
      await worker.close(true).catch(() => {});
    })();
    return workerClosed;
  };
  const close = (): Promise<void> => {
    if (closed) return closed;
    if (lockTimer !== undefined) clearInterval(lockTimer);
    lockTimer = undefined;
    disposeAbort();
    closed = (async () => {
      disposeWatch?.();
      const redisGone = failure instanceof RedisUnavailableError;
      // With Redis gone, QUIT would wait for it forever: drop the connection first.
      if (redisGone) await dropConnection(queue);
      void stopFetching(false);
      // Not through stopFetching's promise: a graceful stop may wait on settles Redis holds.
      await worker.close(true).catch(() => {});
      if (!redisGone) await releaseAhead();
      await queue.close().catch(() => {});
    })();
    return closed;
  };

  /**
   * Settles a held job through BullMQ, fetching the next job in the same call when
   * `settleFetches()` says so; one async function per settle, shared by every job.
   */
  const settle = async (
    entry: Held<T, R>,
    kind: 'completed' | 'failed',
    outcome: unknown,
  ): Promise<void> => {
    if (entry.settled) throw new JobSettledError(entry.job.id as string);
    entry.settled = true;
    const fetchNext = settleFetches();
    if (fetchNext) reserving++;
    settles++;
    let next: Held<T, R> | undefined;
    try {
      const job = stopping ? onQueue(entry) : entry.job;
      const result =
        kind === 'completed'
          ? await job.moveToCompleted(outcome as R, entry.token, fetchNext)
          : await job.moveToFailed(
              outcome instanceof Error ? outcome : new Error(String(outcome)),
              entry.token,
              fetchNext,
            );
      counters[kind]++;
      if (fetchNext && Array.isArray(result) && result[0]) {
        const fetched = await nextJobFromJobData(result[0], result[1] as string, entry.token);
        if (fetched) {
          counters.fetched++;
          counters.fetchedWithSettle++;
          next = new Held(fetched, entry.token);
        }
      }
    } finally {
      held.delete(entry);
      if (fetchNext) {
        reserving--;
        if (next !== undefined) deliver(next);
        // Nothing came (queue empty, limited, or the settle failed): the fetch loop serves the pull.
        pump();
      }
      syncLockTimer();
      if (--settles === 0) for (const done of settlesDone.splice(0)) done();
      if (stopping && held.size === 0) void close();
    }
  };
  const owner: JobOwner<T, R> = { settle, onQueue };

  /** Hands a fetched job out, or sends it back when fetching stopped meanwhile. */
  const handOut = (entry: Held<T, R>): IteratorResult<QueueJob<T, R>> => {
    if (stopping) {
      release(entry);
      return finish();
    }
    held.add(entry);
    syncLockTimer();
    const job = new HandedOutJob(entry, owner);
    if (job.attempt > 1) counters.redelivered++;
    return { done: false, value: job };
  };

  /** Answers a waiting pull: with the job, or (nothing) with the end or the error that stopped the source. */
  const answer = (claim: Claim<T, R>, entry: Held<T, R> | undefined): void => {
    try {
      claim(entry === undefined ? finish() : handOut(entry));
    } catch (error) {
      claim(failed(error));
    }
  };

  /** A pull: the job fetched ahead, else a claim that the next fetched job answers. */
  const pull = (): Promise<IteratorResult<QueueJob<T, R>>> => {
    const first = ahead.shift();
    if (first !== undefined) return Promise.resolve(handOut(first));
    return new Promise<IteratorResult<QueueJob<T, R>>>((resolve) => {
      claims.push(resolve);
      pump();
    });
  };

  /** The first pulls: start-up first (Redis may be away then: a stop ends this wait too). */
  const startThenPull = async (): Promise<IteratorResult<QueueJob<T, R>>> => {
    started ??= start().then(() => {
      ready = true;
    });
    await Promise.race([started, stopped]);
    if (ahead.length === 0 && stopping) return finish();
    return pull();
  };

  // The error that stopped the source is thrown once; later calls see the end.
  let failureThrown = false;
  const finish = (): IteratorResult<QueueJob<T, R>> => {
    if (failure !== undefined && !failureThrown) {
      failureThrown = true;
      throw failure;
    }
    return DONE;
  };
  /** What a pull that met `error` answers: the source stops, and the error is thrown once. */
  const failed = async (error: unknown): Promise<IteratorResult<QueueJob<T, R>>> => {
    if (error === failure) {
      await close();
      throw error;
    }
    if (stopping) return finish();
    failure = error;
    failureThrown = true;
    await close();
    throw error;
  };

  const iterator: QueueSource<T, R> = {
    worker,
    queue,
    close,
    stats: () => ({ ...counters, held: held.size + ahead.length, ahead: ahead.length }),
    next: () => {
      // Each next() hands out one job; a pull waiting when fetching stops ends then (its claim
      // is answered with the end), without a per-call race on the stop that would keep every
      // result alive.
      try {
        if (!ready) return startThenPull().catch(failed);
        if (stopping && ahead.length === 0) return Promise.resolve(finish());
        return pull();
      } catch (error) {
        return failed(error);
      }
    },
    return: async () => {
      await stopFetching(true);
      if (held.size === 0) await close();
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}
