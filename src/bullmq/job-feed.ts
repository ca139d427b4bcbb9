import { callAsPromise } from '../internal/call-as-promise.js';
import { DONE } from '../internal/done.js';
import { RingBuffer } from '../internal/ring-buffer.js';
import { checkSource, openSource } from '../internal/source.js';
import type { Source } from '../stage.js';
import type { QueueJob } from './queue-source.js';

/** What {@link jobFeed} needs from `settleJobs`: where to register jobs, and the read-ahead bound. */
export interface JobFeedHooks {
  /** Registers a job under its data object, as the stage receives it. */
  register(job: QueueJob<unknown>): void;
  /** The read-ahead bound now (the stage's limit, or the `readAhead` option). */
  readAhead(): number;
  /** Called for each pull made ahead of the stage's own (for `stats().pulledAhead`). */
  onPullAhead(): void;
}

/** The stage's view of the job source (see {@link jobFeed}). */
export interface JobFeed<T> extends AsyncIterableIterator<T> {
  /** Pulls ahead while the bound allows: called as the stage pulls, and before each settle. */
  topUp(): void;
  /** A record came back for one of the jobs the stage received. */
  recordCame(): void;
  /** Jobs the stage received and has not yielded a record for. */
  readonly inStage: number;
  /** Pulls of the job source made and not yet handed to the stage (ahead, or awaited by it). */
  readonly requested: number;
}

/**
 * The job source as `settleJobs`' stage sees it: each job's `data` object, registered by
 * identity, with pulls made ahead of the stage's own. A pull is made ahead only while the
 * jobs the stage received and has no record for, plus the pulls not yet handed to it, are
 * fewer than `hooks.readAhead()`; so the stage finds its next job fetched already, and a
 * settle finds a pull waiting that its Redis call can fetch for (`queueSource`'s
 * `fetchNext`). Pulls the stage makes itself go to the source as they come. The source must
 * accept a `next()` before the last one settled when the bound is above 0 (`queueSource` and
 * async generators do).
 *
 * Not a generator: an early exit downstream must reach the job source at once, while a fetch
 * may still be waiting in Redis (a generator would queue its `return()` behind that fetch).
 */
export function jobFeed<T>(jobs: Source<QueueJob<T>>, hooks: JobFeedHooks): JobFeed<T> {
  const { asyncIt, syncIt } = openSource(
    'settleJobs',
    checkSource<QueueJob<T>>('settleJobs', jobs),
  );
  const iterator: AsyncIterator<QueueJob<T>> | Iterator<QueueJob<T>> = asyncIt ?? syncIt;
  /** Pulls made and not yet taken by a stage pull, oldest first. */
  const ahead = new RingBuffer<Promise<IteratorResult<QueueJob<T>>>>();
  /** Stage pulls waiting for their job. */
  let awaited = 0;
  let inStage = 0;
  /** False once a pull ended the source (done or failed) or the feed was returned. */
  let open = true;
  const closeOn = (result: IteratorResult<QueueJob<T>>): void => {
    if (result.done) open = false;
  };
  const closeOnError = (): void => {
    open = false;
  };

  const pull = (): Promise<IteratorResult<QueueJob<T>>> => {
    const pulled = callAsPromise(() => iterator.next());
    // Also marks a rejection handled: a pull made ahead that nobody takes fails nothing.
    pulled.then(closeOn, closeOnError);
    return pulled;
  };

  const topUp = (): void => {
    while (open && inStage + ahead.size + awaited < hooks.readAhead()) {
      hooks.onPullAhead();
      ahead.push(pull());
    }
  };

  const received = (r: IteratorResult<QueueJob<T>>): IteratorResult<T> => {
    awaited--;
    if (r.done) return DONE;
    const job = r.value;
    if (typeof job.data !== 'object' || job.data === null)
      throw new TypeError(`settleJobs: job ${job.id} has data that is not an object`);
    hooks.register(job as QueueJob<unknown>);
    inStage++;
    return { done: false, value: job.data };
  };
  const failed = (error: unknown): never => {
    awaited--;
    throw error;
  };

  return {
    next(): Promise<IteratorResult<T>> {
      const pulled = ahead.size > 0 ? ahead.shift() : pull();
      awaited++;
      topUp();
      return pulled.then(received, failed);
    },
    async return(): Promise<IteratorResult<T>> {
      open = false;
      ahead.clear();
      await iterator.return?.();
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
    topUp,
    recordCame(): void {
      inStage--;
    },
    get inStage() {
      return inStage;
    },
    get requested() {
      return ahead.size + awaited;
    },
  };
}
