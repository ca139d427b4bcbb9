/**
 * Types of `adaptiveMap`. Only type imports, so every adaptive-map file can use them without
 * import cycles.
 */
import type { Clock } from '../internal/clock.js';
import type { LimitOutcome } from '../limit/limit-algorithm.js';
import type { StageLimitOptions } from '../limit/stage-limit-options.js';
import type { Source, Stage, StageContext } from '../stage.js';

/** The per-call context `fn` receives: its own signal, aborted when the stage stops. */
export interface AdaptiveMapCallContext {
  /** Aborted when the stage stops (early exit, abort, a failure with `settle: false`). */
  readonly signal: AbortSignal;
  /**
   * One signal shared by every call of this run, aborted when the stage stops, at the same
   * moment and with the same reason as the `signal` of each call in flight, and when the run
   * ends (no call is in flight then). Reading `signal` makes an `AbortController` for the call;
   * this one is made once per run, which matters at thousands of calls a second (a controller
   * per call is garbage that lives as long as the call). The price: a listener a call adds to
   * it stays until the run ends unless the call removes it, so use it only with code that
   * removes its listeners when done (undici, `clock.sleep`, the solver, `circuitBreaker`'s
   * `execute` do). On Node, more than ten listeners on one signal print a
   * `MaxListenersExceededWarning`: when many calls listen at once, lift the limit with
   * `setMaxListeners(0, runSignal)` from `node:events` (`solveStage` does; the core imports
   * no `node:` module).
   */
  readonly runSignal: AbortSignal;
}

/** The function `adaptiveMap` runs for each item. */
export type AdaptiveMapFn<I, O> = (item: I, context: AdaptiveMapCallContext) => O | Promise<O>;

/** What `classify` sees of one finished call: the error it threw, or the value it returned. */
export interface AdaptiveMapOutcome<O> {
  /** What the call threw, when it threw. */
  error?: unknown;
  /** What the call returned, when it returned. */
  value?: O;
  /** How long the call took, in ms. */
  latencyMs: number;
}

/** A record yielded with `settle: true`. */
export type SettledResult<I, O> =
  | {
      /** The call returned. */
      status: 'fulfilled';
      /** What it returned. */
      value: O;
      /** The item it was called with. */
      item: I;
    }
  | {
      /** The item failed. */
      status: 'rejected';
      /** Why it failed. */
      reason: unknown;
      /** The item. */
      item: I;
    };

/**
 * Options of `adaptiveMap`. The limit's bounds (`min`, `max`, the hard ceiling such as the
 * account's threads, and `initial`) and its `algorithm` are {@link StageLimitOptions}.
 */
export interface AdaptiveMapOptions<O> extends StageLimitOptions {
  /** Yield results in input order (head-of-line blocking) instead of as they finish. @default false */
  ordered?: boolean;
  /** Yield `{ status, value | reason, item }` records instead of throwing on a failure. @default false */
  settle?: boolean;
  /**
   * Sorts a finished call into a {@link LimitOutcome}. @default value → `success`, error → `failure`.
   * `drop` marks overload (no slot, 429, a client timeout): the limit backs off and the item is
   * retried; `ignore` gives the limit no sample; `failure` fails the item.
   */
  classify?: (outcome: AdaptiveMapOutcome<O>) => LimitOutcome;
  /** Retries of a dropped item before it fails, an integer from 0. @default 6 */
  dropRetries?: number;
  /** Base of the full-jitter backoff before a retry, in ms. @default 1000 */
  retryDelayMs?: number;
  /** Cap of the backoff before a retry, in ms. @default 30000 */
  retryMaxDelayMs?: number;
  /** Uniform random numbers in [0, 1) for the backoff jitter. @default Math.random */
  random?: () => number;
  /** Aborts every run of the stage. */
  signal?: AbortSignal;
  /** Clock for latencies and retry backoff. @default systemClock */
  clock?: Clock;
}

/** A snapshot of an `adaptiveMap` stage (all of its runs). */
export interface AdaptiveMapStats {
  /** Calls admitted at once right now: `Math.floor` of the controller's limit. */
  limit: number;
  /** Calls in flight right now; never above `limit` when admitted. */
  inFlight: number;
  /** Calls started, retries included. */
  started: number;
  /** Items yielded as a result (outcome `success` or `ignore`). */
  succeeded: number;
  /** Items that failed (thrown or yielded as rejected records). */
  failed: number;
  /** Calls the service dropped (each was retried or, on exhaustion, failed its item). */
  dropped: number;
  /** Retries scheduled after a drop. */
  retried: number;
  /**
   * Median latency of the last 64 timed successful calls, in ms (calls under 50 µs are timed
   * one in 64, so not every success is recorded).
   */
  latencyP50Ms: number | undefined;
  /** The controller's latency baseline, in ms, when it keeps one. */
  baselineMs: number | undefined;
}

/** Called when the admitted limit (`stats().limit`) changes. */
export type LimitChangeListener = (limit: number, previous: number) => void;

/** The stage `adaptiveMap` returns: a `Stage<I, O>` with `stats()` and `onLimitChange()`. */
export interface AdaptiveMapStage<I, O> extends Stage<I, O> {
  (source: Source<I>, context?: StageContext): AsyncIterableIterator<O>;
  /** A cheap snapshot of the limit and counters. */
  stats(): AdaptiveMapStats;
  /** Calls `listener` whenever the admitted limit changes; returns a disposer. */
  onLimitChange(listener: LimitChangeListener): () => void;
}
