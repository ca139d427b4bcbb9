import { AbortedError } from '../errors.js';
import { DONE } from '../internal/done.js';
import { noop } from '../internal/noop.js';
import { onAnyAbort } from '../internal/signal.js';
import { checkSource, invalidResult, isIteratorResult, openSource } from '../internal/source.js';
import { WaiterQueue } from '../internal/waiter-queue.js';
import { yieldToEventLoop } from '../internal/yield.js';
import type { Source, StageContext } from '../stage.js';

/**
 * Pulls so many consecutive items without the consumer taking one before the pump lets the
 * event loop run, so an endless synchronous source cannot starve timers and I/O.
 */
export const FAIRNESS_BATCH = 1024;

/**
 * The one mechanism behind `boundedBuffer` and `shed`: a pump that reads a source into a
 * bounded store, a consumer parked in `next()` while the store is empty, and one way to end a
 * run (the source's end or error, the consumer's early exit, an abort). The two stages differ
 * only in their {@link BufferPolicy}: what the store is, and what happens when it is full.
 *
 * ## The protocol
 *
 * - **When the source is pulled.** The pump starts at the first `next()` and pulls one item at
 *   a time. An item goes straight to a parked consumer when one waits (the source's own result
 *   object is handed over: no store, no copy), else to {@link BufferPolicy.admit}.
 * - **When full.** With `waitsWhenFull` (`boundedBuffer`) the pump stops pulling as soon as
 *   the store holds {@link BufferPolicy.capacity} items, and starts again after the consumer's
 *   next take. Without it (`shed`) the pump never stops: `admit` makes room or refuses, and
 *   the policy reports what it dropped.
 * - **Sync sources under `waitsWhenFull`** have no pump: once the store is empty, `next()`
 *   refills it in one synchronous batch, up to the bound or {@link FAIRNESS_BATCH} pulls,
 *   and answers from it (no promise per item, nothing parked).
 * - **Fairness.** After {@link FAIRNESS_BATCH} pulls without the consumer taking one, the pump
 *   lets the event loop run one macrotask turn, so an endless synchronous source cannot starve
 *   timers and I/O.
 * - **End and errors.** The source's end reaches the consumer after every stored item. A
 *   source error (`next()` throwing or rejecting) reaches it after every stored item too, as
 *   the original error; the source is not returned then (it failed, as with `for await`). A
 *   malformed result (`next()` giving a non-object) or a failing policy (`shed`'s `priority`)
 *   ends the run the same way, but the source is returned. With several consumers parked,
 *   the oldest gets the error and the others the end. Once the source ended cleanly and the
 *   store is empty, {@link BufferPolicy.endError} may still fail the run (`shed`'s
 *   `DropCallbackError`).
 * - **Early exit (`return()`).** The pump stops pulling, every stored item is released to
 *   {@link BufferPolicy.discard}, parked consumers get the end, and `return()` is called on the
 *   source once (not when it already ended by itself); the promise `return()` gives settles
 *   with the source's. An item the source yields after the stop is received and discarded,
 *   never lost; a source error not yet delivered is dropped with the run: every later `next()`
 *   gives the end.
 * - **Abort** (the stage's own `signal` or the one `pipeline()` passes): as an early exit, and
 *   the consumer gets an `AbortError` (`AbortedError`, the signal's reason as `cause`): parked
 *   consumers at once, otherwise at its next `next()`. The abort listeners are removed once
 *   the consumer has seen the end, an error, or stopped.
 *
 * `next()` never throws synchronously: every failure is a rejected promise.
 */
export class PumpedBuffer<T> implements AsyncIterableIterator<T> {
  private readonly asyncIt: AsyncIterator<T> | undefined;
  private readonly syncIt: Iterator<T> | undefined;
  /** Consumers parked in `next()` while the store is empty, oldest first. */
  private readonly waiters = new WaiterQueue<T>();
  /**
   * Items in the policy's store now. The core counts them itself ({@link BufferPolicy.admit}
   * says whether the store grew), so the per-item checks read a field of this object instead
   * of calling through the policy into its store.
   */
  private stored = 0;
  /** {@link BufferPolicy.capacity}, read once. */
  private readonly capacity: number;
  /** A sync source under `waitsWhenFull`: `next()` refills an empty store in place ({@link refill}). */
  private readonly refillInPlace: boolean;
  /** An async source under `waitsWhenFull`: every take makes room to pull into. */
  private readonly resumeAfterTake: boolean;
  private disposeAbort: () => void = noop;
  private pumping = false;
  /** The pump stopped because the store was full (`waitsWhenFull` only). */
  private paused = false;
  /** The source ended or threw by itself: it needs no `return()`. */
  private sourceEnded = false;
  /** The source ended, failed, or the run failed. */
  private finished = false;
  /** The consumer stopped, saw the error, or the stage aborted. */
  private stopped = false;
  /** An error the consumer has yet to see (the source's, the policy's, or the abort). */
  private failure: { error: unknown } | undefined;
  private pulledSinceTake = 0;
  private returned: Promise<unknown> | undefined;

  /**
   * Opens `source` at once (an `InvalidSourceError` naming `stage` when it is not one)
   * and watches `signals`; nothing is pulled before the first `next()`.
   */
  constructor(
    private readonly stage: string,
    source: Source<T>,
    private readonly policy: BufferPolicy<T>,
    private readonly counters: PumpCounters,
    signals: readonly (AbortSignal | undefined)[],
  ) {
    const { asyncIt, syncIt } = openSource<T>(stage, checkSource<T>(stage, source));
    this.asyncIt = asyncIt;
    this.syncIt = syncIt;
    this.capacity = policy.capacity;
    this.refillInPlace = policy.waitsWhenFull && syncIt !== undefined;
    this.resumeAfterTake = policy.waitsWhenFull && asyncIt !== undefined;
    // Last: an already-aborted signal calls `abort` at once, which needs every field above.
    this.disposeAbort = onAnyAbort(signals, (reason) => this.abort(reason));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    this.pulledSinceTake = 0;
    if (this.stored === 0 && this.refillInPlace && !this.finished && !this.stopped) this.refill();
    if (this.stored > 0) {
      // The hot path with a slow consumer or a sync source: one resolved promise, no closure.
      this.stored--;
      const value = this.policy.take();
      this.counters.emitted++;
      if (this.resumeAfterTake && !this.pumping) this.resume();
      return Promise.resolve({ done: false, value });
    }
    if (!this.finished && !this.stopped) {
      // The hot path with a fast consumer: park until the pump hands an item over. (A pending
      // error always comes with `finished` or `stopped`.)
      const parked = this.waiters.park();
      if (!this.pumping) this.resume();
      return parked;
    }
    return this.nextAtEnd();
  }

  /** `next()` on an empty store once the run ended or stopped: the pending error, or the end. */
  private nextAtEnd(): Promise<IteratorResult<T>> {
    const failure = this.takeFailure();
    if (failure) {
      this.disposeAbort();
      return Promise.reject(failure.error);
    }
    // The abort listeners stay until the consumer has seen the end: an abort while stored
    // items remain still stops the consumer.
    this.disposeAbort();
    return Promise.resolve(DONE);
  }

  return(): Promise<IteratorResult<T>> {
    this.stop();
    return this.closeSource().then(() => DONE);
  }

  /** Starts the pump unless it runs or the run is over. */
  private resume(): void {
    if (this.pumping || this.finished || this.stopped) return;
    this.endPause();
    this.pumping = true;
    this.pump();
  }

  private endPause(): void {
    if (this.paused) {
      this.paused = false;
      this.policy.onPauseEnd?.();
    }
  }

  /**
   * The pump of a sync source under `waitsWhenFull`, run by `next()` on an empty store: pulls
   * in one synchronous loop until the store is full, the source ends, or
   * {@link FAIRNESS_BATCH} pulls (so each `next()` does bounded work, whatever the bound).
   */
  private refill(): void {
    const { syncIt, policy, counters, capacity } = this;
    this.endPause();
    try {
      for (let pulled = 0; pulled < FAIRNESS_BATCH; pulled++) {
        if (this.stored >= capacity) {
          this.paused = true;
          policy.onPause?.();
          return;
        }
        let result: IteratorResult<T>;
        try {
          result = syncIt!.next();
        } catch (error) {
          this.sourceFailed(error);
          return;
        }
        if (!isIteratorResult(result)) {
          this.failAndClose(invalidResult(this.stage, result));
          return;
        }
        if (result.done) {
          this.finish();
          return;
        }
        counters.received++;
        if (policy.admit(result.value)) this.stored++;
      }
    } catch (error) {
      this.failAndClose(error);
    }
  }

  /**
   * Pulls until the store is full (`waitsWhenFull`), the source ends, or the run stops: a sync
   * source in one synchronous loop (up to the fairness yield), an async one a pull at a time,
   * going on in {@link onPulled} when the pull settles. `pumping` stays true while a pull or a
   * fairness yield is pending. Never throws.
   *
   * Not an `async` loop: a `then` with two handlers made once per run costs less per item than
   * an `await` that suspends and resumes the loop, with the same number of microtask hops.
   */
  private pump(): void {
    const { asyncIt, syncIt, policy, capacity } = this;
    const waitsWhenFull = policy.waitsWhenFull;
    try {
      while (!this.stopped) {
        if (waitsWhenFull && this.stored >= capacity) {
          this.paused = true;
          policy.onPause?.();
          break;
        }
        if (this.pulledSinceTake >= FAIRNESS_BATCH) {
          this.pulledSinceTake = 0;
          void yieldToEventLoop().then(this.pumpAgain);
          return;
        }
        if (asyncIt !== undefined) {
          try {
            Promise.resolve(asyncIt.next()).then(this.onPulled, this.onPullFailed);
          } catch (error) {
            this.onPullFailed(error);
          }
          return;
        }
        let result: IteratorResult<T>;
        try {
          result = syncIt!.next();
        } catch (error) {
          if (!this.stopped) this.sourceFailed(error);
          break;
        }
        if (!this.accept(result)) break;
      }
    } catch (error) {
      // The policy failed (a user callback); the source is fine and must be returned.
      if (!this.stopped) this.failAndClose(error);
    }
    this.pumping = false;
  }

  private readonly pumpAgain = (): void => this.pump();

  /** An async pull gave `result`: the pump goes on unless the run is over. */
  private readonly onPulled = (result: IteratorResult<T>): void => {
    let more: boolean;
    try {
      more = this.accept(result);
    } catch (error) {
      // The policy failed (a user callback); the source is fine and must be returned.
      if (!this.stopped) this.failAndClose(error);
      more = false;
    }
    if (more) this.pump();
    else this.pumping = false;
  };

  /** An async pull threw or rejected: the source has cleaned up after itself. */
  private readonly onPullFailed = (error: unknown): void => {
    if (!this.stopped) this.sourceFailed(error);
    this.pumping = false;
  };

  /**
   * One pulled result: handed to a parked consumer, stored, or the end of the run. Returns
   * whether the pump goes on; throws when the policy fails.
   */
  private accept(result: IteratorResult<T>): boolean {
    const counters = this.counters;
    if (!isIteratorResult(result)) {
      if (!this.stopped) this.failAndClose(invalidResult(this.stage, result));
      return false;
    }
    if (this.stopped) {
      if (!result.done) {
        counters.received++;
        this.policy.discard(result.value);
      }
      return false;
    }
    if (result.done) {
      this.finish();
      return false;
    }
    this.pulledSinceTake++;
    counters.received++;
    if (this.waiters.size > 0) {
      // A consumer waits only when the store is empty, so a hand-off keeps any serving
      // order: the hot path with a fast consumer.
      counters.emitted++;
      this.waiters.resolveOldest(result);
    } else if (this.policy.admit(result.value)) {
      this.stored++;
    }
    return true;
  }

  /** The error to deliver once the store is empty: the run's own, else the policy's. */
  private takeFailure(): { error: unknown } | undefined {
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      this.stopped = true;
      return failure;
    }
    if (this.finished && !this.stopped) {
      const error = this.policy.endError?.();
      if (error !== undefined) {
        this.stopped = true;
        return { error };
      }
    }
    return undefined;
  }

  /** The source said it is done. */
  private finish(): void {
    this.sourceEnded = true;
    this.finished = true;
    this.settleWaiters();
  }

  /** The source's `next()` threw or rejected: it has cleaned up after itself. */
  private sourceFailed(error: unknown): void {
    this.sourceEnded = true;
    this.fail(error);
  }

  private fail(error: unknown): void {
    this.finished = true;
    this.failure = { error };
    this.settleWaiters();
  }

  private failAndClose(error: unknown): void {
    this.fail(error);
    void this.closeSource().catch(noop);
  }

  /** After the source ended: parked consumers (the store is empty) get the error or the end. */
  private settleWaiters(): void {
    if (this.waiters.size === 0) return;
    this.disposeAbort();
    const failure = this.takeFailure();
    if (failure) this.waiters.rejectOldest(failure.error);
    this.waiters.resolveAll(DONE);
  }

  private abort(reason: unknown): void {
    if (this.stopped) return;
    const error = new AbortedError(reason);
    const hadWaiters = this.waiters.size > 0;
    if (hadWaiters) this.waiters.rejectAll(error);
    this.stop();
    if (!hadWaiters) this.failure = { error };
    void this.closeSource().catch(noop);
  }

  /** Stops pulling and releases every stored item to the policy; idempotent. */
  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    // A pending source error is moot once the consumer stopped: it sees the end (or the abort).
    this.failure = undefined;
    this.disposeAbort();
    const policy = this.policy;
    while (this.stored > 0) {
      this.stored--;
      policy.discard(policy.take());
    }
    this.endPause();
    this.waiters.resolveAll(DONE);
  }

  /** Calls `return()` on the source once, unless it already ended or threw by itself. */
  private closeSource(): Promise<unknown> {
    this.returned ??= this.sourceEnded ? Promise.resolve() : this.callReturn();
    return this.returned;
  }

  private callReturn(): Promise<unknown> {
    try {
      return Promise.resolve(this.asyncIt ? this.asyncIt.return?.() : this.syncIt!.return?.());
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/**
 * A stage built on {@link PumpedBuffer}: each run opens its source and gets a fresh policy
 * (`new Policy(config, counters)`, its own store) over the stage's shared counters, and
 * watches the stage's own `config.signal` and the one its caller passes (`pipeline()`'s);
 * `stats` becomes the stage's `stats()`.
 */
export function pumpedStage<T, C extends { readonly signal: AbortSignal | undefined }, K, S>(
  stage: string,
  config: C,
  counters: K & PumpCounters,
  Policy: new (config: C, counters: K) => BufferPolicy<T>,
  stats: () => S,
): ((source: Source<T>, context?: StageContext) => AsyncIterableIterator<T>) & { stats(): S } {
  const signal = config.signal;
  const run = (source: Source<T>, context?: StageContext): AsyncIterableIterator<T> =>
    new PumpedBuffer(stage, source, new Policy(config, counters), counters, [
      signal,
      context?.signal,
    ]);
  return Object.assign(run, { stats });
}

/**
 * A stage's counters at zero: the ones every pumped stage reports (`buffered`, `received`,
 * `emitted`) and the stage's own (`extra`), in that order.
 */
export function pumpCounters<E extends Record<string, unknown>>(extra: E): PumpCounters & E {
  return { buffered: 0, received: 0, emitted: 0, ...extra };
}

/**
 * What a stage built on {@link PumpedBuffer} decides: its store, and what happens when it is
 * full. The policy also keeps the stage's own counters (`buffered`, drops …); the core counts
 * `received` and `emitted`.
 */
export interface BufferPolicy<T> {
  /**
   * `true`: when the store holds {@link capacity} items, stop pulling until the consumer
   * takes one (the producer waits). `false`: never stop pulling; {@link admit} makes room or
   * refuses.
   */
  readonly waitsWhenFull: boolean;
  /**
   * The store's bound, read once per run: with {@link waitsWhenFull} the pump stops pulling
   * once this many items are stored.
   */
  readonly capacity: number;
  /**
   * Stores an item no consumer is waiting for, or drops one by the policy's rule. Returns
   * `true` when the store grew by one, `false` when it did not (the item was refused, or it
   * took an evicted item's place): the core keeps the count of stored items from this answer.
   * May throw to fail the run (the source is then returned); it stored nothing then.
   */
  admit(value: T): boolean;
  /** Removes and returns the next item to serve; called only when the store holds one. */
  take(): T;
  /** An item released unconsumed: the consumer stopped early or the stage aborted. */
  discard(value: T): void;
  /** The pump stopped pulling because the store is full. */
  onPause?(): void;
  /** The pump that {@link onPause} stopped is pulling again, or the run stopped. */
  onPauseEnd?(): void;
  /** An error to deliver after the source ended cleanly and every stored item went out. */
  endError?(): unknown;
}

/** The counters every pumped stage keeps on its counters object (summed over its runs). */
export interface PumpCounters {
  /** Items stored now; the policy keeps it (an eviction swaps one item for another). */
  buffered: number;
  /** Items taken from the source; the core keeps it. */
  received: number;
  /** Items handed to the consumer; the core keeps it. */
  emitted: number;
}
