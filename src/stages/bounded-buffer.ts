import { AbortedError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import { DONE } from '../internal/done.js';
import { noop } from '../internal/noop.js';
import { RingBuffer } from '../internal/ring-buffer.js';
import { onAnyAbort } from '../internal/signal.js';
import { checkSource, invalidResult, isIteratorResult, openSource } from '../internal/source.js';
import * as validate from '../internal/validate.js';
import { WaiterQueue } from '../internal/waiter-queue.js';
import type { Source, Stage, StageContext } from '../stage.js';

/** Options of {@link boundedBuffer}. */
export interface BoundedBufferOptions {
  /**
   * How many items the buffer reads ahead before it stops pulling from its source.
   * An integer from 1 and up.
   */
  highWaterMark: number;
  /** Aborts every run of the stage: it stops pulling, returns its source and rejects with an `AbortError`. */
  signal?: AbortSignal;
  /** Clock used to measure `producerWaitMs`. @default systemClock */
  clock?: Clock;
}

/** A snapshot of a {@link boundedBuffer}'s counters, summed over every run of the stage. */
export interface BoundedBufferStats {
  /** Items held right now, waiting for the consumer. */
  buffered: number;
  /** The configured read-ahead limit. */
  highWaterMark: number;
  /** Items taken from the source. Always `emitted + buffered + discarded`. */
  received: number;
  /** Items handed to the consumer. */
  emitted: number;
  /** Items released unconsumed because the consumer stopped early or the stage aborted. */
  discarded: number;
  /** The most items ever held at once; never above `highWaterMark`. */
  peakBuffered: number;
  /** Total milliseconds the buffer was full, so its source was not being pulled. */
  producerWaitMs: number;
}

/** The stage {@link boundedBuffer} returns: a `Stage<T, T>` with a `stats()` snapshot. */
export interface BufferStage<T> extends Stage<T, T> {
  (source: Source<T>, context?: StageContext): AsyncIterableIterator<T>;
  /** Counters of every run of this stage so far. Cheap: no allocation beyond the result. */
  stats(): BoundedBufferStats;
}

/** Shared counters of one stage instance (all of its runs). */
interface Counters {
  buffered: number;
  received: number;
  emitted: number;
  discarded: number;
  peakBuffered: number;
  producerWaitMs: number;
}

const STAGE = 'boundedBuffer';

/**
 * Reads ahead from its source up to `highWaterMark` items, then stops pulling until the
 * consumer takes one: a fast producer waits instead of filling memory. Order is preserved;
 * nothing is lost or duplicated.
 *
 * - A source error reaches the consumer after every item received before it, as the original
 *   error.
 * - Early exit (`break`, `return()`), an abort of `options.signal` or of the `signal` that
 *   `pipeline()` passes: the stage stops pulling, calls `return()` on its source, rejects with
 *   an `AbortError` (on abort) and leaves no timer or listener behind. Items still buffered are
 *   released and counted in `stats().discarded`.
 * - Synchronous sources (arrays, generators) are read in batches without a promise per item.
 *
 * @throws TypeError / RangeError at once when `highWaterMark` is not an integer from 1 and up.
 *
 * @example
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import { boundedBuffer } from 'backpressure-kit';
 *
 * const buffer = boundedBuffer<Task>(50);
 * await pipeline(scrape(), buffer, solveAll);
 * console.log(buffer.stats().producerWaitMs);
 * ```
 */
export function boundedBuffer<T>(highWaterMark: number): BufferStage<T>;
export function boundedBuffer<T>(options: BoundedBufferOptions): BufferStage<T>;
export function boundedBuffer<T>(options: number | BoundedBufferOptions): BufferStage<T> {
  const config = parseOptions(options);
  const counters: Counters = {
    buffered: 0,
    received: 0,
    emitted: 0,
    discarded: 0,
    peakBuffered: 0,
    producerWaitMs: 0,
  };
  const run = (source: Source<T>, context?: StageContext): AsyncIterableIterator<T> => {
    const { asyncIt, syncIt } = openSource<T>(STAGE, checkSource<T>(STAGE, source));
    const contextSignal = context?.signal;
    return asyncIt !== undefined
      ? new AsyncBufferIterator(asyncIt, config, counters, contextSignal)
      : new SyncBufferIterator(syncIt!, config, counters, contextSignal);
  };
  const stats = (): BoundedBufferStats => ({ ...counters, highWaterMark: config.highWaterMark });
  return Object.assign(run, { stats });
}

interface BufferConfig {
  readonly highWaterMark: number;
  readonly signal: AbortSignal | undefined;
  readonly clock: Clock;
}

function parseOptions(options: number | BoundedBufferOptions): BufferConfig {
  if (typeof options === 'number') {
    return {
      highWaterMark: validate.integer('highWaterMark', options, { min: 1 }),
      signal: undefined,
      clock: systemClock,
    };
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    // A string such as '50' lands here: name the option the caller meant.
    validate.integer('highWaterMark', options, { min: 1 });
  }
  const opts = validate.object<BoundedBufferOptions>('options', options);
  return {
    highWaterMark: validate.integer('highWaterMark', opts.highWaterMark, { min: 1 }),
    signal: validate.optional(opts.signal, undefined, (v) => validate.signal('signal', v)),
    clock: validate.optional(opts.clock, systemClock, (v) => validate.clock<Clock>('clock', v)),
  };
}

/**
 * What the two buffer iterators share: the ring of read-ahead items, the stage's counters and
 * the state of the run. Each subclass opens its own kind of source and watches the abort
 * signals itself, after its own fields exist (an already-aborted signal fires at once).
 */
abstract class BufferIterator<T> implements AsyncIterableIterator<T> {
  protected readonly ring: RingBuffer<T>;
  protected disposeAbort: () => void = noop;
  /** The source is exhausted or failed. */
  protected finished = false;
  /** The consumer stopped or the stage aborted. */
  protected stopped = false;
  /** An error the consumer has yet to see (a source error, or the abort). */
  protected failure: { error: unknown } | undefined;

  constructor(
    highWaterMark: number,
    protected readonly counters: Counters,
  ) {
    this.ring = new RingBuffer<T>(highWaterMark);
  }

  abstract next(): Promise<IteratorResult<T>>;

  abstract return(): Promise<IteratorResult<T>>;

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Empties the ring; the items in it count as discarded. */
  protected discardBuffered(): void {
    const released = this.ring.size;
    if (released > 0) {
      this.ring.clear();
      this.counters.buffered -= released;
      this.counters.discarded += released;
    }
  }
}

/**
 * Buffer over an async source. A pump loop pulls while there is room; `next()` hands an item
 * straight to a parked consumer when one waits (the hot path with a fast consumer) and
 * otherwise from the ring.
 */
class AsyncBufferIterator<T> extends BufferIterator<T> {
  private readonly iterator: AsyncIterator<T>;
  /** Consumers parked in `next()` while the ring is empty, oldest first. */
  private readonly waiters = new WaiterQueue<T>();
  private pumping = false;
  private blockedSince = -1;
  private returned: Promise<unknown> | undefined;

  constructor(
    iterator: AsyncIterator<T>,
    private readonly config: BufferConfig,
    counters: Counters,
    contextSignal: AbortSignal | undefined,
  ) {
    super(config.highWaterMark, counters);
    this.iterator = iterator;
    this.disposeAbort = onAnyAbort([config.signal, contextSignal], (reason) => this.abort(reason));
  }

  override next(): Promise<IteratorResult<T>> {
    if (this.ring.size > 0) {
      const value = this.ring.shift();
      this.counters.buffered--;
      this.counters.emitted++;
      this.resumePump();
      return Promise.resolve({ done: false, value });
    }
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      this.stopped = true;
      this.disposeAbort();
      return Promise.reject(error);
    }
    if (this.finished || this.stopped) {
      // The abort listeners stay until the consumer has seen the end: an abort while buffered
      // items remain still stops the consumer.
      this.disposeAbort();
      return Promise.resolve(DONE);
    }
    const parked = this.waiters.park();
    this.resumePump();
    return parked;
  }

  override return(): Promise<IteratorResult<T>> {
    this.stop();
    return this.closeSource().then(() => DONE);
  }

  private resumePump(): void {
    if (this.pumping || this.finished || this.stopped) return;
    if (this.blockedSince >= 0) {
      this.counters.producerWaitMs += this.config.clock.now() - this.blockedSince;
      this.blockedSince = -1;
    }
    this.pumping = true;
    void this.pump();
  }

  /** Pulls until the ring is full, the source ends, or the stage stops. Never rejects. */
  private async pump(): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.ring.isFull) {
          this.blockedSince = this.config.clock.now();
          return;
        }
        const result = await this.iterator.next();
        if (!isIteratorResult(result)) {
          if (this.stopped) return;
          // Not a result: the source is broken; return it and end the run with the error.
          this.fail(invalidResult(STAGE, result));
          void this.closeSource().catch(noop);
          return;
        }
        if (this.stopped) {
          if (!result.done) {
            this.counters.received++;
            this.counters.discarded++;
          }
          return;
        }
        if (result.done) {
          this.finish();
          return;
        }
        this.counters.received++;
        if (this.waiters.size > 0) {
          // The hot path with a fast consumer: hand the source's own result straight over.
          this.counters.emitted++;
          this.waiters.resolveOldest(result);
        } else {
          this.ring.push(result.value);
          const buffered = ++this.counters.buffered;
          if (buffered > this.counters.peakBuffered) this.counters.peakBuffered = buffered;
        }
      }
    } catch (error) {
      if (!this.stopped) this.fail(error);
    } finally {
      this.pumping = false;
    }
  }

  private finish(): void {
    this.finished = true;
    if (this.waiters.size > 0) this.disposeAbort();
    this.waiters.resolveAll(DONE);
  }

  private fail(error: unknown): void {
    this.finished = true;
    if (this.waiters.size > 0) {
      // A consumer waits only when the ring is empty: every earlier item was delivered.
      this.disposeAbort();
      this.stopped = true;
      this.waiters.rejectOldest(error);
      this.waiters.resolveAll(DONE);
    } else {
      this.failure = { error };
    }
  }

  private abort(reason: unknown): void {
    if (this.stopped) return;
    const error = new AbortedError(reason);
    this.failure = undefined;
    const hadWaiters = this.waiters.size > 0;
    if (hadWaiters) this.waiters.rejectAll(error);
    this.stop();
    if (!hadWaiters) this.failure = { error };
    void this.closeSource().catch(noop);
  }

  /** Stops pulling and releases buffered items; idempotent. */
  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.disposeAbort();
    this.discardBuffered();
    if (this.blockedSince >= 0) {
      this.counters.producerWaitMs += this.config.clock.now() - this.blockedSince;
      this.blockedSince = -1;
    }
    this.waiters.resolveAll(DONE);
  }

  /** Calls `return()` on the source once, unless the source already finished by itself. */
  private closeSource(): Promise<unknown> {
    if (this.returned) return this.returned;
    if (this.finished && !this.pumping) {
      this.returned = Promise.resolve();
    } else {
      this.returned = Promise.resolve(this.iterator.return?.());
    }
    return this.returned;
  }
}

/**
 * Buffer over a sync source: nothing to wait for, so `next()` refills the ring in one
 * synchronous batch when it runs empty and answers from it, one resolved promise per item.
 */
class SyncBufferIterator<T> extends BufferIterator<T> {
  private readonly iterator: Iterator<T>;

  constructor(
    iterator: Iterator<T>,
    config: BufferConfig,
    counters: Counters,
    contextSignal: AbortSignal | undefined,
  ) {
    super(config.highWaterMark, counters);
    this.iterator = iterator;
    this.disposeAbort = onAnyAbort([config.signal, contextSignal], (reason) => this.abort(reason));
  }

  override next(): Promise<IteratorResult<T>> {
    if (this.ring.size === 0 && !this.finished && !this.stopped) this.fill();
    if (this.ring.size > 0) {
      const value = this.ring.shift();
      this.counters.buffered--;
      this.counters.emitted++;
      return Promise.resolve({ done: false, value });
    }
    this.disposeAbort();
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      this.stopped = true;
      return Promise.reject(error);
    }
    return Promise.resolve(DONE);
  }

  override return(): Promise<IteratorResult<T>> {
    if (!this.stopped) {
      const wasFinished = this.finished;
      this.release();
      if (!wasFinished) {
        try {
          this.iterator.return?.();
        } catch (error) {
          return Promise.reject(error);
        }
      }
    }
    return Promise.resolve(DONE);
  }

  private fill(): void {
    const ring = this.ring;
    const iterator = this.iterator;
    let added = 0;
    try {
      while (!ring.isFull) {
        const result = iterator.next();
        if (!isIteratorResult(result)) {
          this.failure = { error: invalidResult(STAGE, result) };
          this.finish();
          returnQuietly(iterator);
          break;
        }
        if (result.done) {
          this.finish();
          break;
        }
        ring.push(result.value);
        added++;
      }
    } catch (error) {
      this.failure = { error };
      this.finish();
    }
    this.counters.received += added;
    const buffered = (this.counters.buffered += added);
    if (buffered > this.counters.peakBuffered) this.counters.peakBuffered = buffered;
  }

  private finish(): void {
    this.finished = true;
  }

  private abort(reason: unknown): void {
    if (this.stopped) return;
    const wasFinished = this.finished;
    this.release();
    this.failure = { error: new AbortedError(reason) };
    if (!wasFinished) {
      try {
        this.iterator.return?.();
      } catch {
        // The abort error is what the consumer sees; a failing return() adds nothing to it.
      }
    }
  }

  private release(): void {
    this.stopped = true;
    this.finished = true;
    this.disposeAbort();
    this.discardBuffered();
  }
}

/** Returns a broken source; the consumer gets the error that made us stop, not its return()'s. */
function returnQuietly(iterator: Iterator<unknown>): void {
  try {
    iterator.return?.();
  } catch {
    // The invalid result is the error to report.
  }
}
