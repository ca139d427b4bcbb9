/**
 * The interface every concurrency-limit algorithm implements. This file imports nothing, so
 * stages, limits and tests can all depend on it without import cycles.
 */

/**
 * What one finished call tells the limit:
 * - `success`: a normal result; its latency is a sample.
 * - `ignore`: a result or error that says nothing about load (a validation error); no sample.
 * - `drop`: the service shed the call (no free slot, HTTP 429, a client timeout); a congestion signal.
 * - `failure`: the call failed for a reason unrelated to load; no sample (the breaker's business).
 */
export type LimitOutcome = 'success' | 'ignore' | 'drop' | 'failure';

/** One finished call, as fed to a {@link LimitController}. */
export interface LimitSample {
  /** How long the call took, in milliseconds (`now - startedAt`). */
  readonly latencyMs: number;
  /** How the call was classified. */
  readonly outcome: LimitOutcome;
  /** Calls in flight when this one finished, counting itself. */
  readonly inFlight: number;
  /** Clock time when the call finished, in milliseconds. */
  readonly now: number;
  /**
   * Clock time when the call started (`now - latencyMs`, exactly as given to `onStart`).
   * Needed only by a stage that reports starts; otherwise optional.
   */
  readonly startedAt?: number;
}

/** The hard bounds a controller is created with; it never leaves `[min, max]`. */
export interface LimitBounds {
  /** Lowest limit. */
  readonly min: number;
  /** Highest limit. */
  readonly max: number;
  /** Starting limit, inside `[min, max]`. */
  readonly initial: number;
}

/**
 * The live, stateful part of a limit: a pure, deterministic object fed one sample per finished
 * call. Same samples in, same limits out; it reads no clock and no randomness of its own.
 */
export interface LimitController {
  /** Current limit (may be fractional; a stage admits `Math.floor(limit)` calls). */
  readonly limit: number;
  /** Latency baseline the controller steers by, in ms, when it keeps one. */
  readonly baselineMs?: number | undefined;
  /** Feeds one finished call; returns the limit after it. */
  onSample(sample: LimitSample): number;
  /**
   * A call started at clock time `now` (optional; `kneeLimit` uses it to see calls still in
   * flight). A caller that reports a start must report that call's end to `onSample`, with
   * its `startedAt`, whatever the outcome (`ignore` for a call it aborted itself).
   */
  onStart?(now: number): void;
}

/**
 * A limit algorithm: a named factory of {@link LimitController}s. A stage creates one
 * controller from it with its own `[min, max]` bounds and initial value.
 *
 * @example
 * ```ts
 * const controller = aimdLimit().create({ min: 1, max: 50, initial: 4 });
 * controller.onSample({ latencyMs: 120, outcome: 'success', inFlight: 4, now: 1_000 });
 * ```
 */
export interface LimitAlgorithm {
  /** Short name for stats and logs, e.g. `knee`, `aimd`, `fixed`. */
  readonly name: string;
  /** Makes a fresh controller within `bounds` (one per stage). */
  create(bounds: LimitBounds): LimitController;
}

/** Clamps `value` into `[bounds.min, bounds.max]`. */
export function clampLimit(value: number, bounds: LimitBounds): number {
  return Math.max(bounds.min, Math.min(value, bounds.max));
}

/**
 * What the limit factories (`kneeLimit`, `aimdLimit`, `fixedLimit`) return: an algorithm a
 * stage creates its own controllers from, and at the same time a ready controller with the
 * factory's own bounds, for use on its own (`kneeLimit({ max: 50 }).onSample(…)`).
 */
export type Limit = LimitAlgorithm & LimitController;

/** Bounds a limit factory accepts for its own, stand-alone controller. */
export interface LimitBoundsOptions {
  /** Lowest limit of the stand-alone controller. @default 1 */
  min?: number;
  /** Highest limit of the stand-alone controller. @default 100 (at least `min`) */
  max?: number;
  /** Starting limit of the stand-alone controller. @default min(max, max(min, 4)) */
  initial?: number;
}

/**
 * Makes a {@link Limit}: `create` for stages, plus a stand-alone controller with `bounds`
 * created on first use (so a factory used only by stages never builds it).
 */
export function standaloneLimit(
  name: string,
  create: (bounds: LimitBounds) => LimitController,
  bounds: LimitBounds,
): Limit {
  let own: LimitController | undefined;
  const controller = () => {
    own ??= create(bounds);
    return own;
  };
  return {
    name,
    create,
    get limit() {
      return controller().limit;
    },
    get baselineMs() {
      return controller().baselineMs;
    },
    onSample: (sample: LimitSample) => controller().onSample(sample),
    onStart: (now: number) => controller().onStart?.(now),
  };
}
