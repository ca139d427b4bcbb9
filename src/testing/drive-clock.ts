import * as validate from '../internal/validate.js';
import { InvariantViolation } from './invariant-violation.js';
import type { VirtualClock } from './virtual-clock.js';

/** Options of {@link driveClock}. */
export interface DriveClockOptions {
  /**
   * Timers fired at most before giving up with an `InvariantViolation('progress')`, so a
   * program that always schedules more cannot hang a test.
   * @default 1_000_000
   */
  maxTimers?: number;
}

/**
 * Runs `work` to completion in virtual time: while it is pending, lets every promise callback
 * run, then moves `clock` to its next timer and fires it. Resolves or rejects as `work` does.
 *
 * A pipeline that is still pending when no timer is left can never finish (a producer blocked
 * forever, a lost wake-up): `driveClock` then rejects at once with an
 * `InvariantViolation('progress')` naming the virtual time, instead of hanging the test.
 *
 * @throws TypeError / RangeError for a bad `maxTimers`.
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const results = await driveClock(clock, collect(pipeline(source)));
 * ```
 */
export async function driveClock<T>(
  clock: VirtualClock,
  work: Promise<T>,
  options: DriveClockOptions = {},
): Promise<T> {
  const maxTimers = validate.optional(options.maxTimers, 1_000_000, (v) =>
    validate.integer('options.maxTimers', v, { min: 0 }),
  );
  let settled = false;
  const done = work.then(
    (value) => {
      settled = true;
      return value;
    },
    (error: unknown) => {
      settled = true;
      throw error;
    },
  );
  // The caller awaits `work` through the returned promise; this keeps an early rejection from
  // being reported as unhandled while the clock is still being driven.
  done.catch(() => {});
  for (let fired = 0; ; fired++) {
    await clock.advance(0);
    if (settled) return done;
    const next = clock.nextTimerAt();
    if (next === undefined) {
      throw new InvariantViolation(
        'progress',
        `the work is still pending at t=${clock.now()}ms and no timer is left to wake it`,
      );
    }
    if (fired >= maxTimers) {
      throw new InvariantViolation('progress', `still pending after ${maxTimers} timers`);
    }
    await clock.advance(next - clock.now());
  }
}
