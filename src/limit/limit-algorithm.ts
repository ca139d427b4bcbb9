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

/**
 * The hard bounds of one controller: it never leaves `[min, max]`. Their one home is the
 * stage (`adaptiveMap`, `adaptiveLimit`, `solveStage` options `min`, `max`, `initial`), which
 * passes them to {@link LimitAlgorithm.create}.
 */
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
 * call. Same samples in, same limits out; it reads no clock and no randomness of its own. A
 * stage creates one from a {@link LimitAlgorithm} with its bounds.
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
 * A limit algorithm: how the limit moves, and nothing else. It holds no limit and no bounds of
 * its own; a stage creates one {@link LimitController} from it with the stage's `[min, max]`
 * and initial value, and applies that controller's limit. `kneeLimit()`, `aimdLimit()` and
 * `fixedLimit(n)` return one; any object with `name` and `create` is one too.
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
  /**
   * Bounds given to the algorithm's factory through its deprecated `min` / `max` / `initial`
   * options. A stage takes them as its own bounds where it sets none, and throws an
   * `InvalidOptionValueError` where it sets a different one. Absent on custom algorithms.
   */
  readonly bounds?: Readonly<Partial<LimitBounds>> | undefined;
  /**
   * Makes a fresh controller within `bounds` (one per stage).
   * @throws `InvalidOptionValueError` when `bounds` contradict the algorithm's own (its
   * deprecated bounds options, or `fixedLimit`'s `n` outside `[min, max]`).
   */
  create(bounds: LimitBounds): LimitController;
}

/** Clamps `value` into `[bounds.min, bounds.max]`. */
export function clampLimit(value: number, bounds: LimitBounds): number {
  return Math.max(bounds.min, Math.min(value, bounds.max));
}

/** The bounds options of a stage: the one place `min`, `max` and `initial` are set. */
export interface LimitBoundsOptions {
  /** Lowest limit, an integer from 1 and up. @default 1 */
  min?: number;
  /** Highest limit, an integer ≥ `min`. @default 100 (`solveStage`: 50), at least `min` */
  max?: number;
  /** Starting limit, an integer in `[min, max]`. @default min(max, max(min, 4)) */
  initial?: number;
}

/**
 * The bounds options the algorithm factories (`kneeLimit`, `aimdLimit`) still accept.
 * @deprecated Set `min`, `max` and `initial` on the stage (`adaptiveMap`, `adaptiveLimit`,
 * `solveStage`), or pass them to `create()`. Given here, they act as the stage's bounds where
 * the stage sets none; a different value on the stage is an `InvalidOptionValueError`.
 */
export interface AlgorithmBoundsOptions {
  /** @deprecated Set `min` on the stage. */
  min?: number;
  /** @deprecated Set `max` on the stage. */
  max?: number;
  /** @deprecated Set `initial` on the stage. */
  initial?: number;
}

/**
 * What the limit factories used to return: an algorithm fused with a stand-alone controller.
 * The factories now return a plain {@link LimitAlgorithm}; make a controller with `create()`.
 * @deprecated Use {@link LimitAlgorithm}.
 */
export type Limit = LimitAlgorithm;
