import {
  AbortedError,
  DropCallbackError,
  InvalidOptionTypeError,
  PriorityError,
} from '../errors.js';
import { DONE } from '../internal/done.js';
import { noop } from '../internal/noop.js';
import {
  PriorityShedQueue,
  type ShedQueue,
  SinglePriorityShedQueue,
} from '../internal/shed-queue.js';
import { onAnyAbort } from '../internal/signal.js';
import { checkSource, invalidResult, isIteratorResult, openSource } from '../internal/source.js';
import * as validate from '../internal/validate.js';
import { WaiterQueue } from '../internal/waiter-queue.js';
import { yieldToEventLoop } from '../internal/yield.js';
import type { Source, Stage, StageContext } from '../stage.js';

/**
 * Why an item was dropped:
 * - `'full'`: it arrived while the buffer was full of items at least as important;
 * - `'evicted'`: it was buffered, and a more important item took its place;
 * - `'discarded'`: it was buffered when the consumer stopped early or the stage aborted.
 */
export type DropReason = 'full' | 'evicted' | 'discarded';

/** Options of {@link shed}. */
export interface ShedOptions<T> {
  /** How many items the stage holds for its consumer. An integer from 1 and up. */
  capacity: number;
  /**
   * How important an item is; higher is more important. Must return a number (not NaN).
   * @default () => 0
   */
  priority?: (item: T) => number;
  /**
   * Called exactly once for every dropped item, synchronously, with the reason. If it throws,
   * the drop still counts and the flow goes on; see {@link DropCallbackError}.
   */
  onDrop?: (item: T, reason: DropReason) => void;
  /**
   * Serving order: `'fifo'` (arrival order) or `'priority'` (highest first, arrival order
   * among equals).
   * @default 'fifo'
   */
  order?: 'fifo' | 'priority';
  /** Aborts every run of the stage: it stops pulling, returns its source and rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** A snapshot of a {@link shed} stage's counters, summed over every run of the stage. */
export interface ShedStats {
  /** Items held right now, waiting for the consumer. */
  buffered: number;
  /** The configured capacity. */
  capacity: number;
  /** Items taken from the source. Always `emitted + dropped + buffered`. */
  received: number;
  /** Items handed to the consumer. */
  emitted: number;
  /** Items dropped, for any reason. */
  dropped: number;
  /**
   * Dropped items by reason. `discarded` appears only once an early exit or abort has
   * discarded something, so a stage that ran to its end reports exactly `{ full, evicted }`.
   */
  droppedByReason: {
    /** Arrived while the buffer was full of items at least as important. */
    full: number;
    /** Pushed out of the buffer by a more important item. */
    evicted: number;
    /** Still buffered when the consumer stopped early or the stage aborted. */
    discarded?: number;
  };
  /** How many calls of `onDrop` threw. */
  dropCallbackErrors: number;
}

/** The stage {@link shed} returns: a `Stage<T, T>` with a `stats()` snapshot. */
export interface ShedStage<T> extends Stage<T, T> {
  (source: Source<T>, context?: StageContext): AsyncIterableIterator<T>;
  /** Counters of every run of this stage so far. */
  stats(): ShedStats;
}

interface ShedConfig<T> {
  readonly capacity: number;
  readonly priority: ((item: T) => number) | undefined;
  readonly onDrop: ((item: T, reason: DropReason) => void) | undefined;
  readonly order: 'fifo' | 'priority';
  readonly signal: AbortSignal | undefined;
}

interface ShedCounters {
  buffered: number;
  received: number;
  emitted: number;
  dropped: number;
  droppedByReason: Record<DropReason, number>;
  dropCallbackErrors: number;
}

/**
 * Pulls so many consecutive items without the consumer taking one before the pump lets the
 * event loop run, so an endless synchronous source cannot starve timers and I/O.
 */
const FAIRNESS_BATCH = 1024;

const STAGE = 'shed';

/**
 * Load shedding: never makes its source wait. It pulls as fast as the source yields and holds
 * at most `capacity` items; when full, it drops by priority and reports every drop.
 *
 * When an item arrives and the buffer is full: if a buffered item has strictly lower priority,
 * the oldest of the lowest-priority items is evicted (`'evicted'`) and the new one admitted;
 * otherwise the new item is dropped (`'full'`). With equal priorities that is drop-newest.
 * `onDrop` is called exactly once per dropped item, and at every instant
 * `received === emitted + dropped + buffered` and `buffered <= capacity`.
 *
 * - A throwing `onDrop` loses nothing and does not stop the flow: the item is counted as
 *   dropped, the error is counted in `stats().dropCallbackErrors`, and after the source ends and
 *   every admitted item was emitted, the consumer receives a {@link DropCallbackError} whose
 *   `cause` is the first error.
 * - A throwing `priority` function, or one returning a non-number or NaN, fails the stage:
 *   the consumer receives a {@link PriorityError} carrying the item (`error.item`, not counted
 *   as received) after the items admitted before it.
 * - Early exit or abort: the stage stops pulling, returns its source and reports every item
 *   still buffered to `onDrop` with reason `'discarded'`.
 *
 * @throws TypeError / RangeError at once for a bad option (e.g. `capacity: -1`, a non-function
 * `priority`).
 *
 * @example
 * ```ts
 * const drop = shed<Task>({
 *   capacity: 200,
 *   priority: (task) => task.priority,
 *   onDrop: (task, reason) => console.warn(`dropped ${task.id}: ${reason}`),
 * });
 * for await (const task of drop(scrape())) await solve(task);
 * ```
 */
export function shed<T>(capacity: number): ShedStage<T>;
export function shed<T>(options: ShedOptions<T>): ShedStage<T>;
export function shed<T>(options: number | ShedOptions<T>): ShedStage<T> {
  const config = parseOptions(options);
  const counters: ShedCounters = {
    buffered: 0,
    received: 0,
    emitted: 0,
    dropped: 0,
    droppedByReason: { full: 0, evicted: 0, discarded: 0 },
    dropCallbackErrors: 0,
  };
  const run = (source: Source<T>, context?: StageContext): AsyncIterableIterator<T> => {
    return new ShedIterator(checkSource<T>(STAGE, source), config, counters, context?.signal);
  };
  const stats = (): ShedStats => ({
    ...counters,
    droppedByReason: droppedByReasonSnapshot(counters.droppedByReason),
    capacity: config.capacity,
  });
  return Object.assign(run, { stats });
}

function parseOptions<T>(options: number | ShedOptions<T>): ShedConfig<T> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return {
      capacity: validate.integer('capacity', options, { min: 1 }),
      priority: undefined,
      onDrop: undefined,
      order: 'fifo',
      signal: undefined,
    };
  }
  const optional = validate.optional;
  return {
    capacity: validate.integer('capacity', options.capacity, { min: 1 }),
    priority: optional(options.priority, undefined, (v) =>
      validate.func<(item: T) => number>('priority', v),
    ),
    onDrop: optional(options.onDrop, undefined, (v) =>
      validate.func<(item: T, reason: DropReason) => void>('onDrop', v),
    ),
    order: optional(options.order, 'fifo' as const, (v) =>
      validate.oneOf('order', v, ['fifo', 'priority'] as const),
    ),
    signal: optional(options.signal, undefined, (v) => validate.signal('signal', v)),
  };
}

class ShedIterator<T> implements AsyncIterableIterator<T> {
  private readonly queue: ShedQueue<T>;
  private readonly asyncIterator: AsyncIterator<T> | undefined;
  private readonly syncIterator: Iterator<T> | undefined;
  /** Consumers parked in `next()` while the queue is empty, oldest first. */
  private readonly waiters = new WaiterQueue<T>();
  private disposeAbort: () => void = noop;
  private started = false;
  private pumping = false;
  private finished = false;
  private stopped = false;
  private failure: { error: unknown } | undefined;
  private firstDropError: { error: unknown } | undefined;
  private pulledSinceTake = 0;
  private returned: Promise<unknown> | undefined;

  constructor(
    source: Source<T>,
    private readonly config: ShedConfig<T>,
    private readonly counters: ShedCounters,
    contextSignal: AbortSignal | undefined,
  ) {
    // Without a priority function every item ranks the same: a plain ring is the whole store.
    this.queue =
      config.priority === undefined
        ? new SinglePriorityShedQueue<T>(config.capacity)
        : new PriorityShedQueue<T>(config.capacity, config.order === 'priority');
    const { asyncIt, syncIt } = openSource(STAGE, source);
    this.asyncIterator = asyncIt;
    this.syncIterator = syncIt;
    this.disposeAbort = onAnyAbort([config.signal, contextSignal], (reason) => this.abort(reason));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    this.pulledSinceTake = 0;
    if (this.queue.size > 0) {
      const value = this.queue.take();
      this.counters.buffered--;
      this.counters.emitted++;
      return Promise.resolve({ done: false, value });
    }
    const failure = this.takeFailure();
    if (failure) {
      this.disposeAbort();
      return Promise.reject(failure.error);
    }
    if (this.finished || this.stopped) {
      // Abort listeners stay until the consumer has seen the end (see boundedBuffer).
      this.disposeAbort();
      return Promise.resolve(DONE);
    }
    const parked = this.waiters.park();
    if (!this.started) {
      this.started = true;
      this.pumping = true;
      void this.pump();
    }
    return parked;
  }

  return(): Promise<IteratorResult<T>> {
    this.stop();
    return this.closeSource().then(() => DONE);
  }

  /** The error to deliver once the buffer is empty: the stage's own, else an onDrop failure. */
  private takeFailure(): { error: unknown } | undefined {
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      this.stopped = true;
      return failure;
    }
    if (this.finished && !this.stopped && this.firstDropError) {
      const error = new DropCallbackError(
        this.firstDropError.error,
        this.counters.dropCallbackErrors,
      );
      this.firstDropError = undefined;
      this.stopped = true;
      return { error };
    }
    return undefined;
  }

  /** Pulls until the source ends or the stage stops. Never rejects. */
  private async pump(): Promise<void> {
    const asyncIterator = this.asyncIterator;
    const syncIterator = this.syncIterator;
    try {
      while (!this.stopped) {
        if (this.pulledSinceTake >= FAIRNESS_BATCH) {
          this.pulledSinceTake = 0;
          await yieldToEventLoop();
          if (this.stopped) return;
        }
        const result = asyncIterator ? await asyncIterator.next() : syncIterator!.next();
        if (!isIteratorResult(result)) {
          if (this.stopped) return;
          // Not a result: the source is broken; return it and end the run with the error.
          this.fail(invalidResult(STAGE, result));
          void this.closeSource().catch(noop);
          return;
        }
        if (this.stopped) {
          if (!result.done) this.drop(result.value, 'discarded');
          return;
        }
        if (result.done) {
          this.finish();
          return;
        }
        this.pulledSinceTake++;
        this.counters.received++;
        if (this.waiters.size > 0) {
          // A consumer waits only when the queue is empty, so a hand-off keeps any serving
          // order; the source's own result object is handed straight over.
          this.counters.emitted++;
          this.waiters.resolveOldest(result);
        } else {
          this.admit(result.value);
        }
      }
    } catch (error) {
      if (!this.stopped) this.fail(error);
    } finally {
      this.pumping = false;
    }
  }

  /** Buffers an item no consumer is waiting for, or drops one by the admission rule. */
  private admit(value: T): void {
    const priority = this.priorityOf(value);
    const outcome = this.queue.offer(value, priority);
    if (!outcome.admitted) {
      this.drop(value, 'full');
      return;
    }
    // An eviction swaps one buffered item for another: `buffered` stays the same.
    if (outcome.evicted) this.drop(outcome.evicted.value, 'evicted');
    else this.counters.buffered++;
  }

  /** The item's priority; a failing `priority` function un-counts the item and fails the stage. */
  private priorityOf(value: T): number {
    const priorityOf = this.config.priority;
    if (!priorityOf) return 0;
    try {
      return checkedPriority(priorityOf(value));
    } catch (error) {
      this.counters.received--;
      throw new PriorityError(value, error);
    }
  }

  private drop(value: T, reason: DropReason): void {
    this.counters.dropped++;
    this.counters.droppedByReason[reason]++;
    const onDrop = this.config.onDrop;
    if (!onDrop) return;
    try {
      onDrop(value, reason);
    } catch (error) {
      this.counters.dropCallbackErrors++;
      this.firstDropError ??= { error };
    }
  }

  private finish(): void {
    this.finished = true;
    this.settleWaiters();
  }

  private fail(error: unknown): void {
    this.finished = true;
    this.failure = { error };
    this.settleWaiters();
  }

  /** After the source ended: parked consumers get the pending error or the end. */
  private settleWaiters(): void {
    if (this.waiters.size === 0) return;
    this.disposeAbort();
    const failure = this.takeFailure();
    if (failure) this.waiters.rejectAll(failure.error);
    else this.waiters.resolveAll(DONE);
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

  /** Stops pulling and reports every buffered item as discarded; idempotent. */
  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.disposeAbort();
    while (this.queue.size > 0) {
      const value = this.queue.take();
      this.counters.buffered--;
      this.drop(value, 'discarded');
    }
    this.waiters.resolveAll(DONE);
  }

  private closeSource(): Promise<unknown> {
    if (this.returned) return this.returned;
    if (!this.started || (this.finished && !this.pumping)) {
      // Never pulled, or ended by itself: a generator source still needs `return()` to run
      // its `finally` when it was never started, and returning an ended one is harmless.
      this.returned = this.finished ? Promise.resolve() : this.callReturn();
    } else {
      this.returned = this.callReturn();
    }
    return this.returned;
  }

  private callReturn(): Promise<unknown> {
    try {
      return Promise.resolve(
        this.asyncIterator ? this.asyncIterator.return?.() : this.syncIterator?.return?.(),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

function droppedByReasonSnapshot(counts: Record<DropReason, number>): ShedStats['droppedByReason'] {
  const { full, evicted, discarded } = counts;
  return discarded > 0 ? { full, evicted, discarded } : { full, evicted };
}

function checkedPriority(value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidOptionTypeError({
      option: 'priority',
      expected: 'a function returning a number (not NaN)',
      received: value,
    });
  }
  return value;
}
