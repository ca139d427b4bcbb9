import { UnrecoverableError } from 'bullmq';
import { DONE } from '../internal/done.js';
import { onAbort } from '../internal/signal.js';
import type { Source, Stage, StageContext } from '../stage.js';
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
   * another worker has it now). The record is still yielded. @default ignore (counted in stats)
   */
  onSettleError?: (error: unknown, job: QueueJob<unknown>) => void;
}

/** Counters of a {@link settleJobs} stage. */
export interface SettleJobsStats {
  readonly completed: number;
  readonly failed: number;
  /** Settles BullMQ refused (lost lock, Redis error). */
  readonly settleErrors: number;
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

/**
 * Runs a record-producing stage (such as `solveStage`) over queue jobs and settles each job the
 * moment its record exists: a `solved` record completes the job with the record as its return
 * value; a `failed` record fails it for good (BullMQ's `UnrecoverableError`, no BullMQ retry:
 * the stage already retried what was worth retrying) with the record, as JSON, as the reason.
 * The records are yielded after their job is settled.
 *
 * The stage sees each job's `data` object and must yield records whose `task` is that same
 * object (`solveStage` does). Jobs the stage never yields a record for (the run stopped: a
 * fatal account error, an abort) are left unsettled, and come back through the stalled check.
 *
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
  const onSettleError = options.onSettleError;
  const counters = { completed: 0, failed: 0, settleErrors: 0 };

  /**
   * The jobs' data, registered by identity. Not a generator: an early exit downstream must
   * reach the job source at once, while a fetch may still be waiting in Redis (a generator
   * would queue its return() behind that fetch).
   */
  const unwrap = (jobs: Source<QueueJob<T>>): AsyncIterableIterator<T> => {
    const iterator =
      Symbol.asyncIterator in jobs
        ? (jobs as AsyncIterable<QueueJob<T>>)[Symbol.asyncIterator]()
        : (jobs as Iterable<QueueJob<T>>)[Symbol.iterator]();
    return {
      async next(): Promise<IteratorResult<T>> {
        const r = await iterator.next();
        if (r.done) return DONE;
        const job = r.value;
        if (typeof job.data !== 'object' || job.data === null)
          throw new TypeError(`settleJobs: job ${job.id} has data that is not an object`);
        jobsByTask.set(job.data, job as QueueJob<unknown>);
        return { done: false, value: job.data };
      },
      async return(): Promise<IteratorResult<T>> {
        await iterator.return?.();
        return DONE;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  };

  async function* run(jobs: Source<QueueJob<T>>, context?: StageContext): AsyncGenerator<Rec> {
    const source = unwrap(jobs);
    // Stop the job source first on early exit or abort: a stage whose pull waits on it (an
    // empty queue blocks in Redis) can only finish once that pull ends.
    const stopSource = (): Promise<unknown> => source.return?.() ?? Promise.resolve();
    const disposeAbort = onAbort(context?.signal, () => void stopSource());
    const records = stage(source, context)[Symbol.asyncIterator]();
    let finished = false;
    try {
      for (;;) {
        const next = await records.next();
        if (next.done) {
          finished = true;
          return;
        }
        const record = next.value;
        const job = jobOfTask(record.task);
        if (job === undefined)
          throw new TypeError('settleJobs: the stage yielded a record whose task is not a job');
        jobsByTask.delete(record.task);
        try {
          if (record.status === 'failed') {
            await job.fail(new UnrecoverableError(JSON.stringify(jobRecord(record))));
            counters.failed++;
          } else {
            await job.complete(jobRecord(record));
            counters.completed++;
          }
        } catch (error) {
          counters.settleErrors++;
          onSettleError?.(error, job);
        }
        yield record;
      }
    } finally {
      disposeAbort();
      if (!finished) {
        const stopping = stopSource();
        await records.return?.();
        await stopping;
      }
    }
  }

  return Object.assign(run, { stats: (): SettleJobsStats => ({ ...counters }) });
}
