import { type Clock, systemClock } from '../internal/clock.js';
import { RingBuffer } from '../internal/ring-buffer.js';
import * as validate from '../internal/validate.js';
import type { Source, Stage, StageContext } from '../stage.js';
import {
  type BufferPolicy,
  type PumpCounters,
  pumpCounters,
  pumpedStage,
} from './pumped-buffer.js';

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
interface Counters extends PumpCounters {
  buffered: number;
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
  const counters: Counters = pumpCounters({ discarded: 0, peakBuffered: 0, producerWaitMs: 0 });
  const stats = (): BoundedBufferStats => ({ ...counters, highWaterMark: config.highWaterMark });
  return pumpedStage(STAGE, config, counters, WaitWhenFull<T>, stats);
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
 * The `boundedBuffer` policy: a growable ring bounded at `highWaterMark`; when it is full the
 * pump stops pulling, and the time it stays stopped is the producer's wait.
 */
class WaitWhenFull<T> implements BufferPolicy<T> {
  readonly waitsWhenFull = true;
  readonly capacity: number;
  private readonly ring: RingBuffer<T>;
  private pausedAt = 0;

  constructor(
    private readonly config: BufferConfig,
    private readonly counters: Counters,
  ) {
    this.capacity = config.highWaterMark;
    this.ring = new RingBuffer<T>(config.highWaterMark);
  }

  /** Always stores: the core never admits past `capacity` (it stops pulling first). */
  admit(value: T): true {
    this.ring.push(value);
    const buffered = ++this.counters.buffered;
    if (buffered > this.counters.peakBuffered) this.counters.peakBuffered = buffered;
    return true;
  }

  take(): T {
    this.counters.buffered--;
    return this.ring.shift();
  }

  discard(): void {
    this.counters.discarded++;
  }

  onPause(): void {
    this.pausedAt = this.config.clock.now();
  }

  onPauseEnd(): void {
    this.counters.producerWaitMs += this.config.clock.now() - this.pausedAt;
  }
}
