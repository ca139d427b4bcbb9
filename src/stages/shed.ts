import { InvalidOptionTypeError } from '../errors.js';
import {
  PriorityShedQueue,
  type ShedQueue,
  SinglePriorityShedQueue,
} from '../internal/shed-queue.js';
import * as validate from '../internal/validate.js';
import type { Source, Stage, StageContext } from '../stage.js';
import { DropCallbackError } from './drop-callback-error.js';
import { PriorityError } from './priority-error.js';
import {
  type BufferPolicy,
  type PumpCounters,
  pumpCounters,
  pumpedStage,
} from './pumped-buffer.js';

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

interface ShedCounters extends PumpCounters {
  buffered: number;
  dropped: number;
  droppedByReason: Record<DropReason, number>;
  dropCallbackErrors: number;
}

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
  const counters: ShedCounters = pumpCounters({
    dropped: 0,
    droppedByReason: { full: 0, evicted: 0, discarded: 0 },
    dropCallbackErrors: 0,
  });
  const stats = (): ShedStats => ({
    ...counters,
    droppedByReason: droppedByReasonSnapshot(counters.droppedByReason),
    capacity: config.capacity,
  });
  return pumpedStage(STAGE, config, counters, DropByPriority<T>, stats);
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

/**
 * The `shed` policy: a {@link ShedQueue} bounded at `capacity`; the pump never waits, and an
 * item that finds the store full evicts a less important one or is dropped itself. Every drop
 * is counted and reported to `onDrop`; a throwing `onDrop` fails the run only at its end.
 */
class DropByPriority<T> implements BufferPolicy<T> {
  readonly waitsWhenFull = false;
  readonly capacity: number;
  private readonly queue: ShedQueue<T>;
  private firstDropError: { error: unknown } | undefined;

  constructor(
    private readonly config: ShedConfig<T>,
    private readonly counters: ShedCounters,
  ) {
    this.capacity = config.capacity;
    // Without a priority function every item ranks the same: a plain ring is the whole store.
    this.queue =
      config.priority === undefined
        ? new SinglePriorityShedQueue<T>(config.capacity)
        : new PriorityShedQueue<T>(config.capacity, config.order === 'priority');
  }

  /** Buffers the item, or drops one by the admission rule; `true` when the store grew. */
  admit(value: T): boolean {
    const outcome = this.queue.offer(value, this.priorityOf(value));
    if (!outcome.admitted) {
      this.drop(value, 'full');
      return false;
    }
    // An eviction swaps one buffered item for another: `buffered` stays the same.
    if (outcome.evicted) {
      this.drop(outcome.evicted.value, 'evicted');
      return false;
    }
    this.counters.buffered++;
    return true;
  }

  take(): T {
    this.counters.buffered--;
    return this.queue.take();
  }

  discard(value: T): void {
    this.drop(value, 'discarded');
  }

  endError(): DropCallbackError | undefined {
    const first = this.firstDropError;
    return first && new DropCallbackError(first.error, this.counters.dropCallbackErrors);
  }

  /** The item's priority; a failing `priority` function un-counts the item and fails the run. */
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
