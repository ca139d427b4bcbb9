import { AbortedError } from '../errors.js';
import { noop } from '../internal/noop.js';
import { onAnyAbort } from '../internal/signal.js';
import { invalidResult, isIteratorResult, openSource } from '../internal/source.js';
import type { Source } from '../stage.js';

/**
 * The pass-through protocol of `breakerGate` and `rateLimit`, stated once. Both are
 * hand-written iterators (one `next()` per item, no async generator in between, so an item
 * that may pass at once costs one check) built on {@link PassThroughRun}, which holds the
 * lifecycle, with the two small pieces it uses:
 *
 * - **Pending pull.** `next()` calls are served one after another: a call made while another
 *   is pending runs once that one settled ({@link NextQueue}). A stage pulls at most one item
 *   at a time and holds at most that one item while it waits.
 * - **Pulls are checked** ({@link SourcePuller}): a source whose `next()` throws synchronously
 *   gives a rejected promise, never a throw from our `next()`; a result that is not an object
 *   ends the run with an `InvalidIteratorResultError` after the source was returned.
 * - **Abort while pulling.** When the run watches an abort signal, a pending async pull is
 *   raced against it: the abort settles the consumer's `next()` at once with an `AbortError`
 *   (a rejected promise, never a throw) and returns the source in the background, since an
 *   async generator answers `return()` only after its pending `next()`. An item the source
 *   yields after the abort won is counted as discarded, never passed. A sync pull cannot be
 *   raced: it runs to its end inside `next()`; an item it gives that may pass at once still
 *   passes, and the abort answers the next call.
 * - **`return()`** stops any wait, returns the source (once) and answers done; a `next()` still
 *   pending then answers done too, discarding the item it pulled.
 * - **Errors.** The source's own error reaches the consumer unchanged and the source is not
 *   returned (as with `for await`); the stage's error (an abort, an isolated breaker) is thrown
 *   after the source was returned.
 * - **After the end** every `next()` answers done.
 */

/** A stage's answer to one `next()`: a result now, or a promise of one. */
export type StepResult<T> = IteratorResult<T> | Promise<IteratorResult<T>>;

/**
 * Serves `next()` calls one after another: `step` runs for a call only when no earlier call is
 * pending. A step that answers at once (a plain result) costs no promise beyond the one the
 * consumer gets.
 */
export class NextQueue<T> {
  /** The newest pending call; calls made meanwhile run after it. */
  private pending: Promise<IteratorResult<T>> | undefined;
  /** Pending calls. Each runs after the one before, so the newest settles last. */
  private outstanding = 0;

  constructor(private readonly step: () => StepResult<T>) {}

  next(): Promise<IteratorResult<T>> {
    if (this.pending !== undefined) return this.track(this.pending.then(this.run, this.run));
    let result: StepResult<T>;
    try {
      result = this.step();
    } catch (error) {
      return Promise.reject(error);
    }
    return result instanceof Promise ? this.track(result) : Promise.resolve(result);
  }

  private readonly run = (): StepResult<T> => this.step();

  private track(promise: Promise<IteratorResult<T>>): Promise<IteratorResult<T>> {
    this.pending = promise;
    this.outstanding++;
    promise.then(this.settled, this.settled);
    return promise;
  }

  /** Prebound (no closure per call): the queue is idle once every pending call settled. */
  private readonly settled = (): void => {
    if (--this.outstanding === 0) this.pending = undefined;
  };
}

/**
 * Reads a stage's source with the checks above. `onEnd` runs when the source ended, failed or
 * gave a malformed result (the stage then finishes its run); `onLate` when an item arrives
 * after an abort cut its pull short.
 */
export class SourcePuller<T> {
  private readonly syncIt: Iterator<T> | undefined;
  private readonly asyncIt: AsyncIterator<T> | undefined;
  private returned = false;
  /** Rejects the consumer's side of a raced pull, while one is pending. */
  private cutPull: ((error: unknown) => void) | undefined;

  constructor(
    private readonly stage: string,
    source: Source<T>,
    private readonly onEnd: () => void,
    private readonly onLate: () => void,
    /** Race async pulls against {@link cut}: the run watches an abort signal. */
    private readonly raced: boolean,
  ) {
    const { asyncIt, syncIt } = openSource(stage, source);
    this.asyncIt = asyncIt;
    this.syncIt = syncIt;
  }

  /**
   * Pulls one item and hands its result (never malformed) to `then`: at once over a sync
   * source, after the pull over an async one. The end of the source is passed on as well.
   * One pull at a time (the stage's {@link NextQueue} sees to it).
   */
  pull<R>(then: (result: IteratorResult<T>) => R | Promise<R>): R | Promise<R> {
    let result: IteratorResult<T> | Promise<IteratorResult<T>>;
    try {
      result = this.syncIt !== undefined ? this.syncIt.next() : this.asyncIt!.next();
    } catch (error) {
      this.onEnd();
      return Promise.reject(error);
    }
    if (this.syncIt !== undefined) return this.checked(result as IteratorResult<T>, then);
    // A broken async iterator may answer a plain value: treat it as a settled promise.
    let pulled = Promise.resolve(result);
    if (this.raced) pulled = this.race(pulled);
    // Prebound handlers and the continuation in a field: no closure per item.
    this.continuation = then as (result: IteratorResult<T>) => unknown;
    return pulled.then(this.onPulled, this.onPullError) as Promise<R>;
  }

  /** The continuation of the pending async pull. */
  private continuation: ((result: IteratorResult<T>) => unknown) | undefined;

  private readonly onPulled = (result: IteratorResult<T>): unknown =>
    this.checked(result, this.continuation!);

  private readonly onPullError = (error: unknown): never => {
    this.onEnd();
    throw error;
  };

  private checked<R>(
    result: IteratorResult<T>,
    then: (result: IteratorResult<T>) => R | Promise<R>,
  ): R | Promise<R> {
    if (!isIteratorResult(result)) {
      const error = invalidResult(this.stage, result);
      this.onEnd();
      const fail = (): never => {
        throw error;
      };
      return this.close().then(fail, fail);
    }
    if (result.done) this.onEnd();
    return then(result);
  }

  /** The consumer's side of `pulled`, which {@link cut} can reject before the source answers. */
  private race(pulled: Promise<IteratorResult<T>>): Promise<IteratorResult<T>> {
    return new Promise((resolve, reject) => {
      this.cutPull = reject;
      pulled.then(
        (result) => {
          if (this.cutPull === reject) {
            this.cutPull = undefined;
            resolve(result);
          } else if (isIteratorResult(result) && !result.done) {
            this.onLate(); // the abort won: the late item is discarded
          }
        },
        (error: unknown) => {
          if (this.cutPull !== reject) return;
          this.cutPull = undefined;
          reject(error);
        },
      );
    });
  }

  /**
   * Rejects a pending raced pull with `error` and returns the source in the background.
   * Returns false (and does nothing) when no pull is pending.
   */
  cut(error: unknown): boolean {
    const reject = this.cutPull;
    if (reject === undefined) return false;
    this.cutPull = undefined;
    this.close().catch(noop);
    reject(error);
    return true;
  }

  /** Calls the source's `return()`, once. */
  async close(): Promise<void> {
    if (this.returned) return;
    this.returned = true;
    if (this.syncIt !== undefined) this.syncIt.return?.();
    else await this.asyncIt!.return?.();
  }
}

/**
 * One run of a pass-through stage: the lifecycle both stages share (serve `next()` in order,
 * watch the abort signals, end the run once, return the source once). A stage writes `step`
 * (its answer to one `next()`, pulling through {@link puller}) and waits on {@link stop},
 * which aborts when the run ends or an abort signal fires.
 */
export abstract class PassThroughRun<T> implements AsyncIterableIterator<T> {
  protected readonly puller: SourcePuller<T>;
  /** Aborts when the run ends (reason: none) or an abort signal fires (reason: the `AbortError`). */
  protected readonly stop = new AbortController();
  /** The run ended: the source finished, failed or was returned. */
  protected finished = false;
  /** Set when either abort signal fires: a plain field, read once per item. */
  protected abortError: AbortedError | undefined;
  private readonly queue = new NextQueue<T>(() => this.step());
  private readonly disposeSignals: () => void;

  constructor(stage: string, source: Source<T>, signals: readonly (AbortSignal | undefined)[]) {
    this.puller = new SourcePuller(
      stage,
      source,
      () => this.finish(),
      () => this.countDiscarded(),
      signals.some((signal) => signal !== undefined),
    );
    this.disposeSignals = onAnyAbort(signals, (reason) => {
      const error = new AbortedError(reason);
      this.abortError = error;
      this.stop.abort(error);
      if (this.puller.cut(error)) this.finish();
    });
  }

  /** The stage's answer to one `next()` (never called while another is pending). */
  protected abstract step(): StepResult<T>;

  /** An item was pulled but not passed (the run stopped first). */
  protected abstract countDiscarded(): void;

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    return this.queue.next();
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    await this.close();
    return { done: true, value: value as T };
  }

  /** Ends the run without touching the source: drops the listeners, stops any wait. */
  protected finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.disposeSignals();
    this.stop.abort();
  }

  /** Ends the run and returns the source, unless it ended by itself. */
  protected async close(): Promise<void> {
    if (this.finished) return;
    this.finish();
    await this.puller.close();
  }

  /** Returns the source, then rejects with the abort. */
  protected async abortNow(): Promise<never> {
    await this.close();
    throw this.abortError;
  }
}
