import { DONE } from '../internal/done.js';
import { noop } from '../internal/noop.js';
import { invalidResult, isIteratorResult, openSource } from '../internal/source.js';
import type { Source } from '../stage.js';

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
 *
 * Every pull is checked: a `next()` that throws synchronously becomes a rejection, and a
 * result that is not an object ends the run with an `InvalidIteratorResultError` after the
 * source was returned. When the run watches an abort signal (`racePulls`), a pull is raced
 * against it: an abort while the source's `next()` is pending rejects the consumer at once
 * and returns the source in the background (its late result is discarded).
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

  /** Set by a subclass that watches an abort signal: pulls can then be cut short by it. */
  protected racePulls = false;
  /** The consumer's side of a raced pull, while one is pending. */
  private resolvePull:
    | ((result: IteratorResult<T> | Promise<IteratorResult<T>>) => void)
    | undefined;
  private rejectPull: ((error: unknown) => void) | undefined;
  private sourceReturned = false;

  constructor(
    protected readonly stage: string,
    source: Source<T>,
  ) {
    const { asyncIt, syncIt } = openSource(stage, source);
    this.asyncIt = asyncIt;
    this.syncIt = syncIt;
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

  /** An item pulled after the run ended (a raced pull lost to an abort): count it. */
  protected abstract countDiscarded(): void;

  /** Pulls from the async source on the fast path: the pull itself is the tail. */
  protected pullFast(asyncIt: AsyncIterator<T>): Promise<IteratorResult<T>> {
    let pulled: Promise<IteratorResult<T>>;
    try {
      pulled = asyncIt.next();
    } catch (error) {
      return this.failed(error);
    }
    let pending: Promise<IteratorResult<T>>;
    if (this.racePulls) {
      pending = new Promise(this.parkPull);
      thenable(pulled).then(this.onRacedPull, this.onRacedPullError);
    } else {
      pending = thenable(pulled).then(this.onPulledChecked, this.onPullError);
    }
    this.tail = pending;
    this.fastPending = pending;
    return pending;
  }

  /**
   * Pulls from the async source off the fast path (the caller awaits it), checked and raced
   * against the abort like a fast pull. The run is finished when the source ends or fails.
   */
  protected pullSlow(asyncIt: AsyncIterator<T>): Promise<IteratorResult<T>> {
    let pulled: Promise<IteratorResult<T>>;
    try {
      pulled = thenable(asyncIt.next());
    } catch (error) {
      return this.failed(error);
    }
    const checked = (result: IteratorResult<T>): IteratorResult<T> | Promise<IteratorResult<T>> => {
      if (!isIteratorResult(result)) return this.invalid(result);
      if (result.done) this.finish();
      return result;
    };
    if (!this.racePulls) return pulled.then(checked, this.onPullError);
    const pending = new Promise(this.parkPull);
    pulled.then(
      (result) => this.settlePull(result, checked, true),
      (error: unknown) => this.settlePull(error, this.onPullError, false),
    );
    return pending;
  }

  private readonly parkPull = (
    resolve: (result: IteratorResult<T> | Promise<IteratorResult<T>>) => void,
    reject: (error: unknown) => void,
  ): void => {
    this.resolvePull = resolve;
    this.rejectPull = reject;
  };

  private readonly onRacedPull = (result: IteratorResult<T>): void =>
    this.settlePull(result, this.onPulledChecked, true);

  private readonly onRacedPullError = (error: unknown): void =>
    this.settlePull(error, this.onPullError, false);

  /** Hands a raced pull's outcome to the consumer, unless an abort already settled it. */
  private settlePull<V>(
    outcome: V,
    handle: (outcome: V) => IteratorResult<T> | Promise<IteratorResult<T>>,
    pulledResult: boolean,
  ): void {
    const resolve = this.resolvePull;
    const reject = this.rejectPull!;
    if (resolve === undefined) {
      // The abort won: the consumer has its AbortError; an item pulled late is discarded.
      if (pulledResult && isIteratorResult(outcome) && !(outcome as IteratorResult<T>).done) {
        this.countDiscarded();
      }
      return;
    }
    this.resolvePull = this.rejectPull = undefined;
    try {
      resolve(handle(outcome));
    } catch (error) {
      reject(error);
    }
  }

  /**
   * Rejects a pending raced pull with `error` (the subclass's abort): the run finishes and the
   * source is returned in the background, since an async generator answers `return()` only
   * after its pending `next()`.
   */
  protected cutPendingPull(error: unknown): void {
    const reject = this.rejectPull;
    if (reject === undefined) return;
    this.resolvePull = this.rejectPull = undefined;
    this.releaseTail(this.fastPending);
    this.finish();
    this.returnSource().catch(noop);
    reject(error);
  }

  private readonly onPulledChecked = (
    result: IteratorResult<T>,
  ): IteratorResult<T> | Promise<IteratorResult<T>> => {
    if (isIteratorResult(result)) return this.onPulled(result);
    this.releaseTail(this.fastPending);
    return this.invalid(result);
  };

  private readonly onPullError = (error: unknown): never => {
    if (this.tail === this.fastPending) this.tail = undefined;
    this.finish();
    throw error;
  };

  /** The source gave a non-object instead of a result: return it, then reject with the error. */
  protected invalid(received: unknown): Promise<never> {
    const error = invalidResult(this.stage, received);
    const fail = (): never => {
      throw error;
    };
    return this.close().then(fail, fail);
  }

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
    await this.returnSource();
  }

  /** Calls the source's `return()`, once. */
  private async returnSource(): Promise<void> {
    if (this.sourceReturned) return;
    this.sourceReturned = true;
    if (this.syncIt !== undefined) this.syncIt.return?.();
    else await this.asyncIt!.return?.();
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    await this.close();
    return { done: true, value: value as T };
  }
}

/** `next()`'s answer as a promise: a broken async iterator may return a plain value. */
function thenable<R>(value: Promise<R>): Promise<R> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
    ? value
    : Promise.resolve(value);
}
