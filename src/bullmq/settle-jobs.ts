import { UnrecoverableError } from 'bullmq';
import { AbortedError } from '../errors.js';
import { callAsPromise } from '../internal/call-as-promise.js';
import { RingBuffer } from '../internal/ring-buffer.js';
import { onAbort } from '../internal/signal.js';
import * as v from '../internal/validate.js';
import type { Source, Stage, StageContext } from '../stage.js';
import { jobFeed } from './job-feed.js';
import { jobRecord } from './job-record.js';
import type { QueueJob } from './queue-source.js';

/** The records {@link settleJobs} understands: `solveStage`'s, or any with a task and a status. */
export interface SettleableRecord<T> {
  readonly task: T;
  readonly status: 'solved' | 'failed' | (string & {});
}

/** Options of {@link settleJobs}. */
export interface SettleJobsOptions {
  /**
   * Called when settling a job failed (usually: its lock was lost because it stalled, so
   * another worker has it now). The record is still yielded. An error it throws ends the run
   * (after the settles in flight). @default ignore (counted in stats)
   */
  onSettleError?: (error: unknown, job: QueueJob<unknown>) => void;
  /**
   * Most records between the stage and the consumer at once: jobs being settled (Redis calls
   * in flight), records whose job is settled and that the consumer has not taken yet, and the
   * record the consumer has taken until it asks for the next. While that many are out,
   * `settleJobs` asks the stage for no record (the stage then stops pulling jobs once its own
   * room is full). 1 settles one job at a time, in record order.
   * @default 32
   */
  maxSettling?: number;
  /**
   * Most jobs held for the stage before it asks for them: the job source is pulled ahead of
   * the stage's own pulls only while the jobs the stage received and has not yielded a
   * record for, plus the pulls not yet handed to it, are fewer than this. With it the stage
   * finds its next job fetched already, and each settle finds a pull waiting that its Redis
   * call fetches for (`queueSource` settles with BullMQ's `fetchNext`). 0 pulls only when
   * the stage pulls. Needs a source that accepts a `next()` before the last one settled
   * (`queueSource`, async generators).
   * @default the stage's `stats().limit`, followed as it changes (`adaptiveMap`, `solveStage`: a
   * stage at its limit gets nothing ahead); 0 for a stage that reports no limit
   */
  readAhead?: number;
}

/** Counters of a {@link settleJobs} stage (over all its runs). */
export interface SettleJobsStats {
  readonly completed: number;
  readonly failed: number;
  /** Settles BullMQ refused (lost lock, Redis error). */
  readonly settleErrors: number;
  /** Settles in flight now (at most `maxSettling` per run). */
  readonly settling: number;
  /** Pulls of the job source made ahead of the stage's own (see `readAhead`). */
  readonly pulledAhead: number;
}

/** The stage {@link settleJobs} returns. */
export interface SettleJobsStage<T, Rec extends SettleableRecord<T>>
  extends Stage<QueueJob<T>, Rec> {
  stats(): SettleJobsStats;
}

/** Which job a task object came from, for {@link settleJobs} and {@link resumableSolver}. */
const jobsByTask = new WeakMap<object, QueueJob<unknown>>();

/** The job a task (a `QueueJob`'s `data` object, passed through a stage) belongs to. */
export function jobOfTask(task: unknown): QueueJob<unknown> | undefined {
  return typeof task === 'object' && task !== null ? jobsByTask.get(task) : undefined;
}

/** A stage that reports its concurrency limit (`adaptiveMap`, `solveStage`). */
interface LimitedStage {
  stats(): { limit: number };
  onLimitChange?(listener: (limit: number) => void): () => void;
}

const reportsLimit = (stage: unknown): stage is LimitedStage => {
  const stats = (stage as { stats?: unknown }).stats;
  if (typeof stats !== 'function') return false;
  try {
    return typeof (stats.call(stage) as { limit?: unknown } | undefined)?.limit === 'number';
  } catch {
    return false; // a stage whose stats() throws gets no read-ahead
  }
};

/** Why a run ends early: `immediate` errors (an abort, a throwing callback) skip settled records. */
interface Failure {
  readonly error: unknown;
  readonly immediate: boolean;
}

/**
 * Runs a record-producing stage (such as `solveStage`) over queue jobs and settles each job the
 * moment its record exists: a `solved` record completes the job with the record as its return
 * value; a `failed` record fails it for good (BullMQ's `UnrecoverableError`, no BullMQ retry:
 * the stage already retried what was worth retrying) with the record, as JSON, as the reason.
 *
 * - Each record is yielded after its job is settled, in the order the settles finish. Up to
 *   `maxSettling` records are between the stage and the consumer at once (settling, or settled
 *   and not yet taken), so several jobs settle concurrently (BullMQ's own `Worker` completes
 *   up to `concurrency` jobs at once too) and a slow consumer stops the stage.
 * - The job source is pulled ahead of the stage up to `readAhead` (by default the stage's own
 *   limit), and a pull is made right before each settle: the settle's Redis call then fetches
 *   the next job (`queueSource`'s `fetchNext`), about one round trip per job, as BullMQ's
 *   worker pays.
 * - A settle BullMQ refuses (lost lock, Redis error) goes to `onSettleError` and is counted in
 *   `stats().settleErrors`; its record is still yielded.
 * - The stage sees each job's `data` object and must yield records whose `task` is that same
 *   object (`solveStage` does). Jobs the stage never yields a record for (the run stopped: a
 *   fatal account error, an abort, an early exit), and jobs pulled ahead it never took, are
 *   left unsettled and come back through the stalled check.
 * - A stage error stops the job source, waits for the settles in flight, yields their records,
 *   then is thrown. Early exit (`break`) stops the job source first, ends the stage (a record
 *   pull in flight is aborted), settles the records that still come, and waits for the settles
 *   in flight. Abort (`signal`) stops the job source and the stage at once and throws an
 *   `AbortError` without waiting for settles in flight (they finish on their own, their
 *   errors still go to `onSettleError`).
 *
 * @throws `TypeError` / `RangeError` at once for a bad option; from the run, an
 *   `InvalidSourceError` when the job source is not iterable, and a `TypeError` when the stage
 *   yields a record whose task is not a job's data.
 * @example
 * ```ts
 * const jobs = queueSource<Task>('captcha', { connection });
 * for await (const record of settleJobs(solveStage(resumableSolver(solver), { max: 20 }))(jobs)) {
 *   console.log(record.task.id, record.status);
 * }
 * ```
 */
export function settleJobs<T extends object, Rec extends SettleableRecord<T>>(
  stage: Stage<T, Rec>,
  options: SettleJobsOptions = {},
): SettleJobsStage<T, Rec> {
  if (typeof stage !== 'function') throw new TypeError('settleJobs: expected a stage function');
  const opts = v.object<SettleJobsOptions>('options', options);
  const onSettleError = v.optional(opts.onSettleError, undefined, (x) =>
    v.func<NonNullable<SettleJobsOptions['onSettleError']>>('onSettleError', x),
  );
  const maxSettling = v.optional(opts.maxSettling, 32, (x) =>
    v.integer('maxSettling', x, { min: 1 }),
  );
  const fixedReadAhead = v.optional(opts.readAhead, undefined, (x) =>
    v.integer('readAhead', x, { min: 0 }),
  );
  const counters = { completed: 0, failed: 0, settleErrors: 0, settling: 0, pulledAhead: 0 };

  async function* run(jobs: Source<QueueJob<T>>, context?: StageContext): AsyncGenerator<Rec> {
    // The read-ahead bound: fixed, or the stage's limit as it moves (cached from its listener).
    let readAhead = (): number => 0;
    let disposeLimit = (): void => {};
    if (fixedReadAhead !== undefined) readAhead = () => fixedReadAhead;
    else if (reportsLimit(stage)) {
      if (typeof stage.onLimitChange === 'function') {
        let limit = stage.stats().limit;
        disposeLimit = stage.onLimitChange((next) => {
          limit = next;
        });
        readAhead = () => limit;
      } else readAhead = () => stage.stats().limit;
    }
    const source = jobFeed(jobs, {
      register: (job) => jobsByTask.set(job.data as object, job),
      readAhead: () => readAhead(),
      onPullAhead: () => {
        counters.pulledAhead++;
      },
    });
    // Stop the job source first on early exit, abort or a stage error: a stage whose pull
    // waits on it (an empty queue blocks in Redis) can only finish once that pull ends.
    let sourceStopped: Promise<unknown> | undefined;
    const stopSource = (): Promise<unknown> => {
      sourceStopped ??= source.return?.() ?? Promise.resolve();
      return sourceStopped;
    };
    // The stage's own signal: the caller's abort, or our early exit while a pull of ours waits
    // on the stage (a generator stage would queue its return() behind that pull).
    const stageStop = new AbortController();
    const stageSignal = stageStop.signal;

    const settled = new RingBuffer<Rec>();
    let settling = 0;
    /** The consumer has a record and has not asked for the next one. */
    let handing = false;
    let pulling = false;
    let stageDone = false;
    let exiting = false;
    let aborted = false;
    let failure: Failure | undefined;
    let wakeUp: (() => void) | undefined;
    const wake = (): void => {
      const resolve = wakeUp;
      wakeUp = undefined;
      resolve?.();
    };
    const sleep = (): Promise<void> =>
      new Promise<void>((resolve) => {
        wakeUp = resolve;
      });
    const fail = (error: unknown, immediate: boolean): void => {
      if (failure === undefined || (immediate && !failure.immediate))
        failure = { error, immediate };
      void stopSource();
      wake();
    };

    const disposeAbort = onAbort(context?.signal, () => {
      aborted = true;
      void stopSource();
      stageStop.abort(context?.signal?.reason);
      fail(new AbortedError(context?.signal?.reason), true);
    });
    const records = stage(source, { signal: stageSignal })[Symbol.asyncIterator]();

    const settle = (job: QueueJob<unknown>, record: Rec): void => {
      // A pull waits when the settle starts, so its Redis call can fetch that pull's job.
      if (!exiting) source.topUp();
      settling++;
      counters.settling++;
      const settlement = callAsPromise(() =>
        record.status === 'failed'
          ? job.fail(new UnrecoverableError(JSON.stringify(jobRecord(record))))
          : job.complete(jobRecord(record)),
      );
      const ended = (): void => {
        settling--;
        counters.settling--;
        if (!exiting) settled.push(record);
        pullRecord();
        wake();
      };
      settlement.then(
        () => {
          if (record.status === 'failed') counters.failed++;
          else counters.completed++;
          ended();
        },
        (error: unknown) => {
          counters.settleErrors++;
          try {
            onSettleError?.(error, job);
          } catch (thrown) {
            fail(thrown, true);
          }
          ended();
        },
      );
    };

    const onRecord = (next: IteratorResult<Rec>): void => {
      pulling = false;
      if (next.done) {
        stageDone = true;
        wake();
        return;
      }
      const record = next.value;
      const job = jobOfTask(record.task);
      if (job === undefined) {
        fail(
          new TypeError('settleJobs: the stage yielded a record whose task is not a job'),
          false,
        );
        return;
      }
      jobsByTask.delete(record.task);
      source.recordCame();
      // After an abort the stage stopped: a record still arriving is left to the stalled check.
      if (!aborted) settle(job, record);
      pullRecord();
    };
    const onStageError = (error: unknown): void => {
      pulling = false;
      stageDone = true;
      if (!exiting) fail(error, aborted);
      wake();
    };
    /** Asks the stage for its next record while fewer than `maxSettling` are out. */
    const pullRecord = (): void => {
      if (pulling || stageDone || exiting || failure !== undefined) return;
      if (settling + settled.size + (handing ? 1 : 0) >= maxSettling) return;
      pulling = true;
      callAsPromise(() => records.next()).then(onRecord, onStageError);
    };

    let finished = false;
    try {
      pullRecord();
      for (;;) {
        if (failure?.immediate) throw failure.error;
        if (settled.size > 0) {
          // The record the consumer handles counts as out until it asks for the next one.
          handing = true;
          yield settled.shift();
          handing = false;
          pullRecord();
          continue;
        }
        if (settling === 0) {
          if (failure !== undefined) throw failure.error;
          if (stageDone) {
            finished = true;
            return;
          }
        }
        await sleep();
      }
    } finally {
      exiting = true;
      disposeAbort();
      disposeLimit();
      if (!finished) {
        const stopping = stopSource();
        // A record pull in flight would keep a generator stage's return() waiting.
        if (pulling) stageStop.abort(new AbortedError('The consumer stopped reading'));
        try {
          await records.return?.();
        } finally {
          await stopping;
        }
      }
      // Gracefully, a settle in flight finishes first (its error still reported); an abort
      // leaves them to finish on their own.
      while (settling > 0 && !aborted) await sleep();
    }
  }

  return Object.assign(run, { stats: (): SettleJobsStats => ({ ...counters }) });
}
