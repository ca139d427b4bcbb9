import { isAsyncSource, type Source } from '../stage.js';

/** The end of a run; frozen and shared, so a `next()` after the end allocates nothing. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({
  done: true,
  value: undefined,
});

/**
 * The bookkeeping shared by the protocol-direct pass-through iterators (`breakerGate`,
 * `rateLimit`): the source read as sync or async, `next()` calls kept in order (a call made
 * while another is pending runs after it), the fast async pull whose callback clears the
 * pending tail without a promise of its own, and the end of a run (`finish`, `close`,
 * `return()`).
 *
 * A subclass writes the per-item decisions: `nextNow` (one `next()` when none is pending, the
 * hot path), `onPulled` (what a fast async pull's result becomes), `finish` (release listeners
 * and timers once the run ends) and its own abort handling. Nothing here runs per item beyond
 * what a hand-written iterator would do.
 */
export abstract class PassThroughIterator<T> implements AsyncIterableIterator<T> {
  protected readonly syncIt: Iterator<T> | undefined;
  protected readonly asyncIt: AsyncIterator<T> | undefined;
  /** The run ended: the source finished, failed or was returned. */
  protected finished = false;
  /** The newest pending `next()`; calls made meanwhile queue behind it. */
  protected tail: Promise<IteratorResult<T>> | undefined;
  /** The pending fast-path pull, so its callback can clear `tail` without a promise of its own. */
  protected fastPending: Promise<IteratorResult<T>> | undefined;

  constructor(source: Source<T>) {
    if (isAsyncSource(source)) this.asyncIt = source[Symbol.asyncIterator]();
    else this.syncIt = source[Symbol.iterator]();
  }

  /** One `next()` while no other is pending: the stage's hot path. */
  protected abstract readonly nextNow: () => Promise<IteratorResult<T>>;

  /** What the result of a fast pull ({@link pullFast}) becomes; clears the tail it held. */
  protected abstract readonly onPulled: (
    result: IteratorResult<T>,
  ) => IteratorResult<T> | Promise<IteratorResult<T>>;

  /** Marks the run finished without touching the source; idempotent. */
  protected abstract finish(): void;

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.tail !== undefined) {
      // A next() while another is pending: run after it, in order.
      return this.track(this.tail.then(this.nextChained, this.nextChained));
    }
    return this.nextNow();
  }

  /**
   * Runs a queued next() once its predecessor settled. Whatever `nextNow` tracks, the newest
   * queued call stays the tail, so calls made meanwhile keep queueing behind it (and never run
   * beside this one).
   */
  private readonly nextChained = (): Promise<IteratorResult<T>> => {
    const newest = this.tail;
    const result = this.nextNow();
    this.tail = newest;
    return result;
  };

  /** Makes `promise` the tail until it settles. */
  protected track(promise: Promise<IteratorResult<T>>): Promise<IteratorResult<T>> {
    this.tail = promise;
    const clear = (): void => {
      if (this.tail === promise) this.tail = undefined;
    };
    promise.then(clear, clear);
    return promise;
  }

  /** Pulls from the async source on the fast path: the pull itself is the tail. */
  protected pullFast(asyncIt: AsyncIterator<T>): Promise<IteratorResult<T>> {
    const pending = asyncIt.next().then(this.onPulled, this.onPullError);
    this.tail = pending;
    this.fastPending = pending;
    return pending;
  }

  private readonly onPullError = (error: unknown): never => {
    if (this.tail === this.fastPending) this.tail = undefined;
    this.finish();
    throw error;
  };

  /** The fast pull `outer` settles now: it stops being the tail. */
  protected releaseTail(outer: Promise<IteratorResult<T>> | undefined): void {
    if (this.tail === outer) this.tail = undefined;
  }

  /** The fast pull `outer` found the end of the source: finishes the run and answers done. */
  protected endedFast(outer: Promise<IteratorResult<T>> | undefined): IteratorResult<T> {
    this.releaseTail(outer);
    this.finish();
    return DONE;
  }

  /** The fast pull `outer` took the slow path: it stays the tail until `slow` settles. */
  protected releaseTailAfter(
    slow: Promise<IteratorResult<T>>,
    outer: Promise<IteratorResult<T>> | undefined,
  ): Promise<IteratorResult<T>> {
    const clear = (): void => {
      if (this.tail === outer) this.tail = undefined;
    };
    slow.then(clear, clear);
    return slow;
  }

  /** The source ended by itself: finishes the run and answers done. */
  protected ended(): Promise<IteratorResult<T>> {
    this.finish();
    return Promise.resolve(DONE);
  }

  /** The source failed by itself: finishes the run and passes the error on. */
  protected failed(error: unknown): Promise<never> {
    this.finish();
    return Promise.reject(error);
  }

  /** Finishes the run and returns the source (once). */
  protected async close(): Promise<void> {
    if (this.finished) return;
    this.finish();
    if (this.syncIt !== undefined) this.syncIt.return?.();
    else await this.asyncIt!.return?.();
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    await this.close();
    return { done: true, value: value as T };
  }
}
