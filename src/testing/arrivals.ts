import type { Clock } from '../internal/clock.js';
import { DONE } from '../internal/done.js';
import * as validate from '../internal/validate.js';
import type { BoundsGauge } from './invariants.js';

/**
 * When a producer's items arrive, as plain data: fast-check generates and shrinks these
 * parameters (see `arrivalPatterns()` in `backpressure-kit/testing`), {@link arrivalTimes} turns
 * them into instants and {@link arrivalSource} into a source that yields on a clock.
 *
 * - `steady`: `count` items, one every `intervalMs`.
 * - `bursty`: `bursts[i]` items arrive together, bursts `gapMs` apart.
 * - `ramp`: `count` items whose spacing moves linearly from `startIntervalMs` to `endIntervalMs`
 *   (a producer speeding up or slowing down).
 * - `onOff`: `count` items, one every `intervalMs` while the producer is on; it is on for
 *   `onMs`, then off (an outage of the producer) for `offMs`, and so on.
 */
export type ArrivalPattern =
  | {
      /** A steady stream. */
      readonly kind: 'steady';
      /** How many items arrive. */
      readonly count: number;
      /** Milliseconds between two arrivals. */
      readonly intervalMs: number;
    }
  | {
      /** Bursts of items arriving together. */
      readonly kind: 'bursty';
      /** The size of each burst, in order. */
      readonly bursts: readonly number[];
      /** Milliseconds between two bursts. */
      readonly gapMs: number;
    }
  | {
      /** A producer speeding up or slowing down. */
      readonly kind: 'ramp';
      /** How many items arrive. */
      readonly count: number;
      /** Milliseconds between the first two arrivals. */
      readonly startIntervalMs: number;
      /** Milliseconds between the last two arrivals. */
      readonly endIntervalMs: number;
    }
  | {
      /** A steady stream with outages of the producer. */
      readonly kind: 'onOff';
      /** How many items arrive. */
      readonly count: number;
      /** Milliseconds between two arrivals while on. */
      readonly intervalMs: number;
      /** How long the producer is on, in ms. */
      readonly onMs: number;
      /** How long it is then off, in ms. */
      readonly offMs: number;
    };

/**
 * The instants (ms from the start, non-decreasing) at which the items of `pattern` arrive.
 *
 * @throws TypeError / RangeError when a count, size or duration is not a non-negative integer
 *   (`onMs` must be at least 1).
 * @example
 * ```ts
 * arrivalTimes({ kind: 'bursty', bursts: [2, 1], gapMs: 100 }); // [0, 0, 100]
 * ```
 */
export function arrivalTimes(pattern: ArrivalPattern): number[] {
  const times: number[] = [];
  switch (pattern.kind) {
    case 'steady': {
      const count = validate.integer('pattern.count', pattern.count, { min: 0 });
      const interval = validate.integer('pattern.intervalMs', pattern.intervalMs, { min: 0 });
      for (let i = 0; i < count; i++) times.push(i * interval);
      return times;
    }
    case 'bursty': {
      const gap = validate.integer('pattern.gapMs', pattern.gapMs, { min: 0 });
      pattern.bursts.forEach((size, burst) => {
        validate.integer(`pattern.bursts[${burst}]`, size, { min: 0 });
        for (let i = 0; i < size; i++) times.push(burst * gap);
      });
      return times;
    }
    case 'ramp': {
      const count = validate.integer('pattern.count', pattern.count, { min: 0 });
      const from = validate.integer('pattern.startIntervalMs', pattern.startIntervalMs, { min: 0 });
      const to = validate.integer('pattern.endIntervalMs', pattern.endIntervalMs, { min: 0 });
      let at = 0;
      for (let i = 0; i < count; i++) {
        times.push(at);
        at += Math.round(from + ((to - from) * i) / Math.max(1, count - 1));
      }
      return times;
    }
    case 'onOff': {
      const count = validate.integer('pattern.count', pattern.count, { min: 0 });
      const interval = validate.integer('pattern.intervalMs', pattern.intervalMs, { min: 0 });
      const on = validate.integer('pattern.onMs', pattern.onMs, { min: 1 });
      const off = validate.integer('pattern.offMs', pattern.offMs, { min: 0 });
      let at = 0;
      for (let i = 0; i < count; i++) {
        // An arrival that would fall into an off window waits for the next on window.
        const intoCycle = at % (on + off);
        if (intoCycle >= on) at += on + off - intoCycle;
        times.push(at);
        at += interval;
      }
      return times;
    }
    default:
      return validate.oneOf('pattern.kind', (pattern as { kind: unknown }).kind, [
        'steady',
        'bursty',
        'ramp',
        'onOff',
      ] as const) as never;
  }
}

/** Options of {@link arrivalSource}. */
export interface ArrivalSourceOptions<T> {
  /** The clock the source sleeps on until each arrival; a `VirtualClock` in tests. */
  clock: Clock;
  /** Makes the `index`-th item. @default the index itself */
  item?: (index: number) => T;
  /**
   * Counts every item the source yields as held (`gauge.enter()`); the test calls
   * `gauge.leave()` when the item is done (consumed or dropped). See `boundsGauge`.
   */
  gauge?: BoundsGauge;
}

/**
 * A source whose items arrive on a clock, and what it saw: how many items it yielded, whether
 * its `finally` ran (for cleanup checks) and how long it was kept waiting past an arrival
 * because nobody pulled (the producer was blocked: backpressure at work).
 */
export interface ArrivalSource<T> extends AsyncIterable<T> {
  /** The arrival instants, from {@link arrivalTimes}. */
  readonly times: readonly number[];
  /** Items yielded so far. */
  readonly yielded: number;
  /** The source has ended: it was read to the end, or returned early (`return()`). */
  readonly closed: boolean;
  /** Sum over items of (time it was pulled − time it arrived), in ms. */
  readonly blockedMs: number;
  /** The most items that had arrived but were not yet pulled, at any instant. */
  readonly peakWaiting: number;
}

/**
 * A producer that follows `pattern` on `options.clock`: the `i`-th item is yielded no earlier
 * than its arrival time. It is pull-based like every source: when the pipeline does not pull,
 * arrived items wait at the producer (counted in `blockedMs` and `peakWaiting`), as a
 * scraper waits when its `yield` blocks. Iterable once.
 *
 * Abort and early exit: `return()` (a `break`, or a stage closing its source) ends the source at
 * once, like a generator's `finally` (`closed` becomes true): a sleep in progress is cancelled,
 * so no timer is left on the clock, and a pending `next()` resolves as done.
 *
 * @throws TypeError / RangeError from {@link arrivalTimes} at once for a bad pattern.
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const source = arrivalSource({ kind: 'steady', count: 3, intervalMs: 10 }, { clock });
 * const got = driveClock(clock, collect(source)); // resolves to [0, 1, 2] at t=20
 * ```
 */
export function arrivalSource<T = number>(
  pattern: ArrivalPattern,
  options: ArrivalSourceOptions<T>,
): ArrivalSource<T> {
  const times = arrivalTimes(pattern);
  const clock = validate.clock('options.clock', options.clock);
  const make = validate.optional(options.item, undefined, (v) =>
    validate.func<(index: number) => T>('options.item', v),
  );
  const gauge = validate.optional(options.gauge, undefined, (v) =>
    validate.object<BoundsGauge>('options.gauge', v),
  );
  const start = clock.now();
  const state = { yielded: 0, closed: false, blockedMs: 0, peakWaiting: 0 };
  // Aborts the sleep in progress when the source is returned early, so no timer is left.
  const stop = new AbortController();
  let index = 0;
  const close = (): IteratorReturnResult<undefined> => {
    if (!state.closed) {
      state.closed = true;
      stop.abort();
    }
    return DONE;
  };
  const iterable: AsyncIterableIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      if (state.closed || index >= times.length) return close();
      const i = index++;
      const due = start + times[i]!;
      const wait = due - clock.now();
      if (wait > 0) {
        try {
          await clock.sleep(wait, stop.signal);
        } catch (error) {
          if (state.closed) return close();
          throw error;
        }
      }
      const now = clock.now();
      state.blockedMs += now - due;
      let waiting = 0;
      for (let j = i; j < times.length && start + times[j]! <= now; j++) waiting++;
      state.peakWaiting = Math.max(state.peakWaiting, waiting);
      state.yielded++;
      gauge?.enter();
      return { done: false, value: make ? make(i) : (i as T) };
    },
    async return(): Promise<IteratorResult<T>> {
      return close();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    times,
    get yielded() {
      return state.yielded;
    },
    get closed() {
      return state.closed;
    },
    get blockedMs() {
      return state.blockedMs;
    },
    get peakWaiting() {
      return state.peakWaiting;
    },
    [Symbol.asyncIterator]: () => iterable,
  };
}
