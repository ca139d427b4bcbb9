import type { Clock } from '../internal/clock.js';

/**
 * Types of the circuit breaker. This file imports nothing but types, so policies, the state
 * machine, the breaker and the gate can all import it without a cycle.
 */

/** The four states a breaker can be in. */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

/**
 * How `isFailure` classifies an error:
 * - `true`: a failure; counts toward opening (and reopens a half-open breaker);
 * - `false`: ignored; neither success nor failure (for example a validation error);
 * - `'overload'`: the service is busy (429, `ERROR_NO_SLOT_AVAILABLE`); does not count toward
 *   opening: slowing down is `adaptiveMap`'s and `rateLimit`'s job;
 * - `'fatal'`: the breaker isolates at once (for example a wrong API key or zero balance).
 */
export type FailureClass = boolean | 'overload' | 'fatal';

/** A rolling window of recent calls for rate-based opening. */
export interface BreakerWindow {
  /**
   * `'count'`: the last `size` calls. `'time'`: calls in the last `size` milliseconds, kept in
   * `buckets` buckets that rotate by elapsed time (skipped buckets are cleared).
   */
  kind: 'count' | 'time';
  /** Number of calls (`'count'`) or milliseconds (`'time'`). An integer from 1 and up. */
  size: number;
  /** Buckets of a time window. An integer from 1 to `size`. @default 10 (or `size` when smaller) */
  buckets?: number;
}

/** Half-open behaviour. */
export interface HalfOpenOptions {
  /** Trial calls admitted per half-open episode, in total. @default 1 (or `concurrency`) */
  trials?: number;
  /** Trial calls admitted at once. An integer from 1 to `trials`. @default 1 */
  concurrency?: number;
  /**
   * Milliseconds a half-open episode may last. When it ends undecided (a trial hangs), the
   * episode counts as a failure and the breaker opens again. @default 60_000
   */
  deadlineMs?: number;
}

/** Back-off of the open duration across consecutive re-opens (without a close in between). */
export interface ResetBackoffOptions {
  /** Each re-open lasts `multiplier` times the previous one. A number from 1 and up. @default 2 */
  multiplier?: number;
  /** Upper bound of the open duration in ms. @default 10 × resetTimeout */
  maxTimeout?: number;
  /**
   * Random fraction removed from each duration: it is multiplied by `1 - jitter·U[0,1)`.
   * A number from 0 to 1. @default 0.2
   */
  jitter?: number;
}

/** What {@link CircuitBreaker.toJSON} returns and `initialState` accepts. */
export interface BreakerSnapshot {
  /** Half-open is saved as `'open'` with `remainingMs: 0`: trials restart after a restore. */
  state: 'closed' | 'open' | 'isolated';
  /** Milliseconds left of the open time when the snapshot was taken (0 unless open). */
  remainingMs: number;
  /** Consecutive opens without a close in between (drives the open-duration back-off). */
  opens: number;
  /**
   * Wall-clock time (`Date.now()`) of the snapshot. When present, a restore deducts the wall
   * time elapsed since then from `remainingMs`.
   */
  savedAt?: number;
}

/** Options of {@link circuitBreaker}. */
export interface CircuitBreakerOptions {
  /**
   * Consecutive counted failures that open the breaker. Used alone when no `window` is given;
   * with a `window` it applies only when given explicitly (either rule then opens).
   * An integer from 1 and up. @default 5
   */
  failureThreshold?: number;
  /** Rolling window for rate-based opening (`failureRate`, `slowCallRate`). */
  window?: BreakerWindow;
  /** Opens when failures / calls in the window reach this fraction. From 0 (exclusive) to 1. @default 0.5 */
  failureRate?: number;
  /** Calls the window must hold before a rate is evaluated. @default window size (count) or 10 (time) */
  minimumCalls?: number;
  /**
   * A counted call (success or failure) that took longer than this many ms is slow. A slow
   * half-open trial counts as a failure. @default Infinity (off)
   */
  slowCallMs?: number;
  /** Opens when slow calls / calls in the window reach this fraction (needs `window`). @default 1 */
  slowCallRate?: number;
  /** Milliseconds the breaker stays open before it admits trials. @default 30_000 */
  resetTimeout?: number;
  /** Lengthens each consecutive re-open. @default undefined (every open lasts `resetTimeout`) */
  resetBackoff?: ResetBackoffOptions;
  /** Half-open trials, concurrency and deadline. */
  halfOpen?: HalfOpenOptions;
  /** Classifies an error. @default every error is a failure, except aborts (ignored) */
  isFailure?: (error: unknown) => FailureClass;
  /** Restores a saved state (see {@link CircuitBreaker.toJSON}). */
  initialState?: BreakerSnapshot;
  /** Clock for durations and open time. @default systemClock */
  clock?: Clock;
  /** Random source in [0, 1) for jitter. @default Math.random */
  random?: () => number;
}

/** One state transition, as delivered to `onStateChange` listeners. */
export interface StateChange {
  /** The state left. */
  from: CircuitState;
  /** The state entered. */
  to: CircuitState;
  /** Generation of the new state; it grows by one at every transition. */
  generation: number;
  /** Clock time of the transition. */
  at: number;
  /** Why it happened. */
  reason:
    | 'failures'
    | 'half-open-failure'
    | 'half-open-deadline'
    | 'open-timeout'
    | 'trials-succeeded'
    | 'trials-inconclusive'
    | 'isolate'
    | 'fatal'
    | 'reset';
  /** When the new state is open: clock time at which it turns half-open. */
  openUntil?: number;
}

/** A cheap snapshot of a breaker's counters. */
export interface BreakerStats {
  /** The state now. */
  state: CircuitState;
  /** Generation of the current state; it grows by one at every transition. */
  generation: number;
  /** Permits granted (calls admitted). */
  admitted: number;
  /** Calls refused with `CircuitOpenError` or `CircuitIsolatedError`. */
  rejected: number;
  /** Calls that succeeded. */
  successes: number;
  /** Calls classified as failures. */
  failures: number;
  /** Counted calls (successes and failures) slower than `slowCallMs`. */
  slowCalls: number;
  /** Calls classified `'overload'`. */
  overloads: number;
  /** Calls classified `false`, aborted, or released without an outcome. */
  ignored: number;
  /** Results of calls admitted in an earlier generation (counted above, but never decisive). */
  stale: number;
  /** Permits granted and not yet released. */
  inFlight: number;
  /** Consecutive counted failures in the closed state. */
  consecutiveFailures: number;
  /** Calls / failures / slow calls currently in the rate window (all 0 without a window). */
  window: {
    /** Counted calls in the window. */
    calls: number;
    /** Failures among them. */
    failures: number;
    /** Slow calls among them. */
    slow: number;
  };
  /** Half-open episode counters (all 0 unless half-open). */
  halfOpen: {
    /** Trials admitted in this episode. */
    admitted: number;
    /** Trials running now. */
    active: number;
    /** Trials a `breakerGate` reserved for the items it passed, not yet claimed by a call. */
    reserved: number;
    /** Trials finished. */
    completed: number;
  };
  /** Clock time the open state ends, when open. */
  openUntil: number | undefined;
  /** Consecutive opens without a close in between. */
  opens: number;
  /** Errors thrown by `onStateChange` listeners (swallowed so they cannot break the breaker). */
  listenerErrors: number;
}

/**
 * A slot granted by {@link CircuitBreaker.acquire}. Settle it exactly once with `success`,
 * `failure` or `release`; later calls are ignored, so a permit is never released twice.
 */
export interface BreakerPermit {
  /** Generation of the state that granted the permit. */
  readonly generation: number;
  /**
   * Clock time the permit was granted; 0 when the breaker needs no call timing (no
   * `slowCallMs`, no time window, not a half-open trial), which spares a clock read per call.
   */
  readonly startedAt: number;
  /** True once the permit was settled (also when a half-open deadline expired it). */
  readonly settled: boolean;
  /** Records a success (slow when it took longer than `slowCallMs`). */
  success(): void;
  /** Records an error, classified by `isFailure`. */
  failure(error: unknown): void;
  /** Releases the permit without an outcome (the caller gave up, for example on abort). */
  release(): void;
}

/** Options of {@link CircuitBreaker.execute}. */
export interface ExecuteOptions {
  /**
   * Aborts the call: `execute` rejects with an `AbortError` at once and `fn`'s signal aborts.
   * The permit stays taken until `fn` settles (it may still be running) and is then released
   * without an outcome.
   */
  signal?: AbortSignal;
}

/** What {@link CircuitBreaker.isolate} returns: disposing it ends that isolation. */
export interface IsolationHandle {
  /** Ends this isolation; the breaker closes when it was the last one held. Idempotent. */
  dispose(): void;
}

/** The object {@link circuitBreaker} returns. */
export interface CircuitBreaker {
  /** The current state. Reading it applies time-based transitions (open to half-open, half-open deadline). */
  readonly state: CircuitState;
  /** Clock time the open state ends, or `undefined` when not open. */
  readonly openUntil: number | undefined;
  /**
   * Returns a function with the same signature as `fn` that runs it under the breaker: it
   * rejects with `CircuitOpenError` / `CircuitIsolatedError` without calling `fn` when no
   * permit is available, and records the outcome otherwise.
   * @throws InvalidOptionTypeError (`ERR_BPK_INVALID_OPTION_TYPE`) when `fn` is not a function.
   */
  wrap<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
  ): (...args: A) => Promise<Awaited<R>>;
  /**
   * Runs `fn` under the breaker, passing it a signal that aborts with `options.signal` and at a
   * half-open deadline. Outside a half-open trial that signal is `options.signal` itself (no
   * controller is made per call); during a trial it is a signal of the breaker's own that
   * follows `options.signal`. Without either, `fn` gets `undefined`.
   */
  execute<R>(
    fn: (context: { signal: AbortSignal | undefined }) => R | PromiseLike<R>,
    options?: ExecuteOptions,
  ): Promise<Awaited<R>>;
  /** Takes a permit or throws `CircuitOpenError` / `CircuitIsolatedError`. For custom integrations. */
  acquire(): BreakerPermit;
  /**
   * Holds the breaker isolated: every call is refused with `CircuitIsolatedError` (and a gate
   * waits) until the returned handle is disposed. Isolations nest, as with cockatiel's
   * `isolate()`: the breaker stays isolated until every handle was disposed, and disposing the
   * last one closes it (a transition with reason `'reset'`). Disposing a handle twice does
   * nothing. `reset()` ends every isolation at once (the handles then do nothing), and is the
   * only way out of an isolation caused by a `'fatal'` error: disposing handles never ends that
   * one. Unlike cockatiel, a manual isolation is not a separate kind of open state: it is the
   * same `'isolated'` state a fatal error leads to, so a gate and `stats()` see one state.
   * @example
   * ```ts
   * const maintenance = breaker.isolate();
   * try {
   *   await migrateDatabase();
   * } finally {
   *   maintenance.dispose(); // closes the breaker unless another isolation is still held
   * }
   * ```
   */
  isolate(): IsolationHandle;
  /** Closes the breaker with an empty window and no back-off history; ends every isolation. */
  reset(): void;
  /**
   * Calls `listener(state, change)` on every transition: the new state first (as
   * `onLimitChange` passes the new limit first), then the details (`from`, `to`, `reason`,
   * `generation`, `at`, `openUntil`). Returns a disposer.
   * @throws InvalidOptionTypeError (`ERR_BPK_INVALID_OPTION_TYPE`) when `listener` is not a function.
   */
  onStateChange(listener: (state: CircuitState, change: StateChange) => void): () => void;
  /** Counters. */
  stats(): BreakerStats;
  /** A JSON-safe snapshot to persist and pass back as `initialState`. */
  toJSON(): BreakerSnapshot;
}
