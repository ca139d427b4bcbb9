import { AbortedError } from '../errors.js';
import * as validate from '../internal/validate.js';
import { AbortableExecution } from './abortable-execution.js';
import { type BreakerConfig, parseBreakerOptions } from './breaker-config.js';
import { attachInternals, type BreakerInternals } from './breaker-internals.js';
import { type BreakerEvent, type BreakerState, reasonOf, transition } from './breaker-state.js';
import type {
  BreakerPermit,
  BreakerSnapshot,
  BreakerStats,
  CircuitBreaker,
  CircuitBreakerOptions,
  CircuitState,
  ExecuteOptions,
  IsolationHandle,
  StateChange,
} from './breaker-types.js';
import { CircuitIsolatedError } from './circuit-isolated-error.js';
import { CircuitOpenError } from './circuit-open-error.js';
import { ConsecutivePolicy } from './consecutive-policy.js';
import { CountWindowPolicy } from './count-window-policy.js';
import type { FailurePolicy } from './failure-policy.js';
import { TimeWindowPolicy } from './time-window-policy.js';

/**
 * Creates a circuit breaker: it stops calls to a failing service, probes it with a few trial
 * calls after `resetTimeout`, and resumes when they succeed.
 *
 * - **Closed**: every call runs. It opens when the rule holds: `failureThreshold` counted
 *   failures in a row (default), or, with a `window`, at least `minimumCalls` calls in the
 *   window and a failure rate ≥ `failureRate` or a slow-call rate ≥ `slowCallRate`.
 * - **Open**: calls reject at once with `CircuitOpenError` (its `retryAfter` says how long is
 *   left) and `fn` is not called. Lasts `resetTimeout` (backed off by `resetBackoff` on
 *   consecutive re-opens) and at least the `retryAfter` (ms) of the error that opened it.
 * - **Half-open**: admits `halfOpen.trials` calls in total, `halfOpen.concurrency` at once. A
 *   counted failure (or a slow trial) opens it again; when every trial finished and at least
 *   one succeeded it closes; when all were inconclusive (ignored, overload, aborted) a new
 *   episode starts. An episode undecided after `halfOpen.deadlineMs` opens it again.
 * - **Isolated**: by `isolate()` (until its handle is disposed, or `reset()`) or a `'fatal'`
 *   error (until `reset()`); calls reject with `CircuitIsolatedError`.
 *
 * Every transition starts a new generation; a result from a call admitted in an earlier
 * generation updates `stats()` but never changes the state (a straggler cannot close it).
 * Time-based transitions are applied whenever the breaker is used or read (`state`,
 * `stats()`): the breaker holds no timer of its own; `breakerGate` wakes itself with one.
 *
 * @throws InvalidOptionTypeError / InvalidOptionValueError (a `TypeError` / `RangeError`) at
 * once for a bad option, naming it; the same for a non-function given to `wrap` or
 * `onStateChange`.
 *
 * @example
 * ```ts
 * const breaker = circuitBreaker({ failureThreshold: 5, resetTimeout: 30_000 });
 * const solve = breaker.wrap((task: Task) => client.solve(task));
 * try {
 *   await solve(task);
 * } catch (error) {
 *   if (hasErrorCode(error, 'ERR_BPK_CIRCUIT_OPEN')) console.log('service is down, skipping');
 * }
 * ```
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  return new Breaker(parseBreakerOptions(options));
}

class Permit implements BreakerPermit {
  settled = false;

  constructor(
    private readonly breaker: Breaker,
    readonly generation: number,
    readonly startedAt: number,
  ) {}

  success(): void {
    if (this.settled) return;
    this.settled = true;
    this.breaker.settle(this, 'success', undefined);
  }

  failure(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.breaker.settle(this, 'failure', error);
  }

  release(): void {
    if (this.settled) return;
    this.settled = true;
    this.breaker.settle(this, 'release', undefined);
  }
}

/** Reports the outcome of `result` (a call made under `permit`) to the permit, and passes it on. */
function reportOutcome<R>(permit: BreakerPermit, result: R | PromiseLike<R>): Promise<Awaited<R>> {
  return Promise.resolve(result).then(
    (value) => {
      permit.success();
      return value as Awaited<R>;
    },
    (error: unknown) => {
      permit.failure(error);
      throw error;
    },
  );
}

function retryAfterOf(error: unknown): number {
  if (typeof error !== 'object' || error === null) return 0;
  const value = (error as { retryAfter?: unknown }).retryAfter;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

class Breaker implements CircuitBreaker {
  private s: BreakerState;
  private readonly policies: FailurePolicy[] = [];
  private readonly consecutivePolicy: ConsecutivePolicy | undefined;
  private readonly stateListeners = new Set<(state: CircuitState, change: StateChange) => void>();
  private readonly admissionListeners = new Set<() => void>();
  private readonly counters = {
    admitted: 0,
    rejected: 0,
    successes: 0,
    failures: 0,
    slowCalls: 0,
    overloads: 0,
    ignored: 0,
    stale: 0,
    inFlight: 0,
    listenerErrors: 0,
  };

  /** Manual isolations held (handles from `isolate()` not yet disposed). */
  private isolations = 0;
  /** Grows at every `reset()`, which ends every isolation: older handles then do nothing. */
  private isolationEpoch = 0;

  /** True when outcomes need the clock (slow calls or a time window); false skips `now()` on the hot path. */
  private readonly timed: boolean;

  constructor(private readonly config: BreakerConfig) {
    const rule = config;
    this.timed = Number.isFinite(config.slowCallMs) || config.window?.kind === 'time';
    if (config.failureThreshold !== undefined) {
      this.consecutivePolicy = new ConsecutivePolicy(config.failureThreshold);
      this.policies.push(this.consecutivePolicy);
    }
    const w = config.window;
    if (w?.kind === 'count') this.policies.push(new CountWindowPolicy(w.size, rule));
    if (w?.kind === 'time') this.policies.push(new TimeWindowPolicy(w.size, w.buckets, rule));
    this.s = this.restore(config.initialState);
    attachInternals(this, this.internals());
  }

  /** The gate's view of the breaker (see `breaker-internals.ts`); not on the public type. */
  private internals(): BreakerInternals {
    return {
      clock: this.config.clock,
      generation: () => this.refresh().generation,
      halfOpenDeadline: () => {
        const s = this.refresh();
        return s.kind === 'half-open' ? s.deadline : undefined;
      },
      reserveTrial: () => {
        const s = this.refresh();
        if (s.kind !== 'half-open') return undefined;
        if (s.admitted >= this.config.trials || s.active + s.reserved >= this.config.concurrency) {
          return undefined;
        }
        s.admitted++;
        s.reserved++;
        return s.generation;
      },
      cancelReservation: (generation) => {
        const s = this.s;
        if (s.kind !== 'half-open' || s.generation !== generation || s.reserved === 0) return;
        s.reserved--;
        s.admitted--;
        this.notifyAdmission();
      },
      onAdmissionChange: (listener) => {
        this.admissionListeners.add(listener);
        return () => {
          this.admissionListeners.delete(listener);
        };
      },
    };
  }

  private restore(snapshot: BreakerSnapshot | undefined): BreakerState {
    if (!snapshot || snapshot.state === 'closed') return { kind: 'closed', generation: 0 };
    if (snapshot.state === 'isolated') {
      return { kind: 'isolated', generation: 0, opens: snapshot.opens, cause: undefined };
    }
    const elapsed = snapshot.savedAt === undefined ? 0 : Math.max(0, Date.now() - snapshot.savedAt);
    const now = this.config.clock.now();
    return {
      kind: 'open',
      generation: 0,
      openedAt: now,
      openUntil: now + Math.max(0, snapshot.remainingMs - elapsed),
      opens: Math.max(1, snapshot.opens),
    };
  }

  // ---- state --------------------------------------------------------------------------------

  get state(): CircuitState {
    const s = this.s;
    if (s.kind === 'closed' || s.kind === 'isolated') return s.kind;
    return this.refresh().kind;
  }

  get openUntil(): number | undefined {
    const s = this.refresh();
    return s.kind === 'open' ? s.openUntil : undefined;
  }

  /**
   * Applies the time-based transitions that are due and returns the current state. Loops
   * because one can enable the next (a half-open deadline trips to an open state whose
   * `resetTimeout` of 0 has already ended); each new half-open episode ends in the future, so
   * this stops after at most three steps.
   */
  private refresh(): BreakerState {
    for (;;) {
      const s = this.s;
      if (s.kind === 'open') {
        const now = this.config.clock.now();
        if (now < s.openUntil) return s;
        this.apply({ type: 'open-timeout', at: now, deadlineMs: this.config.deadlineMs });
      } else if (s.kind === 'half-open') {
        const now = this.config.clock.now();
        if (now < s.deadline) return s;
        // An episode nobody used restarts; one with undecided trials counts as a failure (B6).
        if (s.admitted === 0) {
          this.apply({ type: 'trials-inconclusive', at: now, deadlineMs: this.config.deadlineMs });
        } else {
          this.trip('half-open-deadline', undefined, now);
        }
      } else {
        return s;
      }
    }
  }

  private openDuration(opens: number, error: unknown): number {
    const { resetTimeout, resetBackoff, random } = this.config;
    let duration = resetTimeout;
    if (resetBackoff) {
      duration = Math.min(
        resetBackoff.maxTimeout,
        resetTimeout * resetBackoff.multiplier ** Math.max(0, opens - 1),
      );
      duration *= 1 - resetBackoff.jitter * random();
    }
    return Math.max(duration, retryAfterOf(error));
  }

  private trip(
    reason: 'failures' | 'half-open-failure' | 'half-open-deadline',
    error: unknown,
    now: number,
  ): void {
    const s = this.s;
    const opens = (s.kind === 'closed' ? 0 : s.opens) + 1;
    this.apply({ type: 'trip', at: now, duration: this.openDuration(opens, error), reason });
  }

  private apply(event: BreakerEvent): void {
    const from = this.s;
    const to = transition(from, event);
    if (to === from) return;
    this.s = to;
    if (to.kind === 'closed') for (const policy of this.policies) policy.reset();
    const change: StateChange = {
      from: from.kind,
      to: to.kind,
      generation: to.generation,
      at: this.config.clock.now(),
      reason: reasonOf(event),
    };
    if (to.kind === 'open') change.openUntil = to.openUntil;
    for (const listener of [...this.stateListeners]) {
      try {
        listener(to.kind, change);
      } catch {
        this.counters.listenerErrors++;
      }
    }
    this.notifyAdmission();
  }

  private notifyAdmission(): void {
    if (this.admissionListeners.size === 0) return;
    for (const listener of [...this.admissionListeners]) {
      try {
        listener();
      } catch {
        this.counters.listenerErrors++;
      }
    }
  }

  // ---- permits ------------------------------------------------------------------------------

  acquire(): BreakerPermit {
    let s = this.s;
    if (s.kind !== 'closed') {
      s = this.refresh();
      if (s.kind === 'open') {
        this.counters.rejected++;
        throw new CircuitOpenError('open', s.openUntil - this.config.clock.now());
      }
      if (s.kind === 'isolated') {
        this.counters.rejected++;
        throw new CircuitIsolatedError(s.cause);
      }
      if (s.kind === 'half-open') {
        if (s.reserved > 0) {
          s.reserved--; // a gate reserved this slot for the item this call carries
        } else if (
          s.admitted < this.config.trials &&
          s.active + s.reserved < this.config.concurrency
        ) {
          s.admitted++;
        } else {
          this.counters.rejected++;
          throw new CircuitOpenError('half-open', 0);
        }
        s.active++;
      }
    }
    this.counters.admitted++;
    this.counters.inFlight++;
    const timed = this.timed || s.kind === 'half-open';
    return new Permit(this, s.generation, timed ? this.config.clock.now() : 0);
  }

  /** Records the outcome of a permit; called once per permit by {@link Permit}. */
  settle(permit: Permit, kind: 'success' | 'failure' | 'release', error: unknown): void {
    const c = this.counters;
    c.inFlight--;
    if (kind === 'success' && !this.timed) {
      // Hot path: a success in the closed state it was admitted in needs no clock and never opens.
      const s = this.s;
      if (s.kind === 'closed' && permit.generation === s.generation) {
        c.successes++;
        for (const policy of this.policies) policy.record(false, false, 0);
        return;
      }
    }
    const now = this.config.clock.now();
    let outcome: 'success' | 'failure' | 'ignored' | 'overload' | 'fatal';
    if (kind === 'success') outcome = 'success';
    else if (kind === 'release') outcome = 'ignored';
    else {
      let cls: unknown;
      try {
        cls = this.config.isFailure(error);
      } catch {
        cls = true; // a throwing classifier must not leak the permit: count a failure
      }
      outcome =
        cls === 'fatal'
          ? 'fatal'
          : cls === 'overload'
            ? 'overload'
            : cls === false
              ? 'ignored'
              : 'failure';
    }
    const counted = outcome === 'success' || outcome === 'failure';
    const slow = counted && now - permit.startedAt > this.config.slowCallMs;
    if (outcome === 'success') c.successes++;
    else if (outcome === 'failure' || outcome === 'fatal') c.failures++;
    else if (outcome === 'overload') c.overloads++;
    else c.ignored++;
    if (slow) c.slowCalls++;

    if (outcome === 'fatal') {
      const s = this.s;
      // Already isolated by hand: the fatal error now holds it too (until reset()).
      if (s.kind === 'isolated') this.s = { ...s, cause: error };
      else this.apply({ type: 'isolate', cause: error, reason: 'fatal' });
      return;
    }
    const s = this.refresh();
    if (permit.generation !== s.generation) {
      c.stale++; // admitted in an earlier state: statistics only (B7)
      return;
    }
    if (s.kind === 'closed') {
      if (!counted) return;
      const failed = outcome === 'failure';
      let open = false;
      for (const policy of this.policies) {
        policy.record(failed, slow, now);
        if ((failed || slow) && policy.shouldOpen(now)) open = true;
      }
      if (open) this.trip('failures', error, now);
      return;
    }
    if (s.kind !== 'half-open') return;
    s.active--;
    s.completed++;
    if (outcome === 'failure' || slow) {
      this.trip('half-open-failure', error, now);
      return;
    }
    if (outcome === 'success') s.successes++;
    if (s.completed >= this.config.trials) {
      if (s.successes > 0) this.apply({ type: 'trials-succeeded' });
      else this.apply({ type: 'trials-inconclusive', at: now, deadlineMs: this.config.deadlineMs });
      return;
    }
    this.notifyAdmission(); // a trial slot is free again
  }

  // ---- calls --------------------------------------------------------------------------------

  wrap<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
  ): (...args: A) => Promise<Awaited<R>> {
    validate.func('fn', fn);
    const breaker = this;
    return function wrapped(this: unknown, ...args: A): Promise<Awaited<R>> {
      let permit: BreakerPermit;
      try {
        permit = breaker.acquire();
      } catch (error) {
        return Promise.reject(error);
      }
      let result: R | PromiseLike<R>;
      try {
        result = fn.apply(this, args);
      } catch (error) {
        permit.failure(error);
        return Promise.reject(error);
      }
      return reportOutcome(permit, result);
    };
  }

  execute<R>(
    fn: (context: { signal: AbortSignal | undefined }) => R | PromiseLike<R>,
    options: ExecuteOptions = {},
  ): Promise<Awaited<R>> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new AbortedError(signal.reason));
    let permit: BreakerPermit;
    try {
      permit = this.acquire();
    } catch (error) {
      return Promise.reject(error);
    }
    const s = this.s;
    const trialDeadline = s.kind === 'half-open' ? s.deadline : undefined;
    if (!signal && trialDeadline === undefined) {
      // Fast path: nothing to abort.
      return this.run(fn, permit, undefined);
    }
    // fn's signal: the caller's own, or, for a half-open trial, one that follows the caller's
    // and also aborts at the trial's deadline (B6). Only a trial pays for controllers.
    let controller: AbortController | undefined;
    let timer: AbortController | undefined;
    if (trialDeadline !== undefined) {
      const trial = (controller = new AbortController());
      timer = new AbortController();
      this.config.clock.sleep(Math.max(0, trialDeadline - permit.startedAt), timer.signal).then(
        () => trial.abort(new AbortedError('half-open deadline')),
        () => {},
      );
    }
    return new Promise<Awaited<R>>((resolve, reject) => {
      const execution = new AbortableExecution<Awaited<R>>(
        permit,
        signal,
        controller,
        timer,
        resolve,
        reject,
      );
      void execution.settle(this.run(fn, execution, controller?.signal ?? signal));
    });
  }

  private run<R>(
    fn: (context: { signal: AbortSignal | undefined }) => R | PromiseLike<R>,
    permit: BreakerPermit,
    signal: AbortSignal | undefined,
  ): Promise<Awaited<R>> {
    let result: R | PromiseLike<R>;
    try {
      result = fn({ signal });
    } catch (error) {
      permit.failure(error);
      return Promise.reject(error);
    }
    return reportOutcome(permit, result);
  }

  // ---- control ------------------------------------------------------------------------------

  isolate(): IsolationHandle {
    this.isolations++;
    const epoch = this.isolationEpoch;
    this.apply({ type: 'isolate', cause: undefined, reason: 'isolate' });
    let disposed = false;
    return {
      dispose: () => {
        if (disposed || epoch !== this.isolationEpoch) return; // twice, or reset() since
        disposed = true;
        if (--this.isolations > 0) return;
        // The last manual isolation ended: close, unless a fatal error isolated it meanwhile.
        const s = this.s;
        if (s.kind === 'isolated' && s.cause === undefined) this.apply({ type: 'reset' });
      },
    };
  }

  reset(): void {
    this.isolations = 0;
    this.isolationEpoch++;
    if (this.s.kind === 'closed') {
      for (const policy of this.policies) policy.reset();
      return;
    }
    this.apply({ type: 'reset' });
  }

  onStateChange(listener: (state: CircuitState, change: StateChange) => void): () => void {
    validate.func('listener', listener);
    this.stateListeners.add(listener);
    return () => {
      this.stateListeners.delete(listener);
    };
  }

  stats(): BreakerStats {
    const s = this.refresh();
    const now = this.config.clock.now();
    const window = { calls: 0, failures: 0, slow: 0 };
    const rate = this.policies.find((p) => p !== this.consecutivePolicy);
    if (rate && s.kind === 'closed') Object.assign(window, rate.counts(now));
    return {
      ...this.counters,
      state: s.kind,
      generation: s.generation,
      consecutiveFailures:
        s.kind === 'closed' && this.consecutivePolicy ? this.consecutivePolicy.failures : 0,
      window,
      halfOpen:
        s.kind === 'half-open'
          ? { admitted: s.admitted, active: s.active, reserved: s.reserved, completed: s.completed }
          : { admitted: 0, active: 0, reserved: 0, completed: 0 },
      openUntil: s.kind === 'open' ? s.openUntil : undefined,
      opens: s.kind === 'closed' ? 0 : s.opens,
    };
  }

  toJSON(): BreakerSnapshot {
    const s = this.refresh();
    const snapshot: BreakerSnapshot = {
      state: s.kind === 'half-open' ? 'open' : s.kind,
      remainingMs: s.kind === 'open' ? Math.max(0, s.openUntil - this.config.clock.now()) : 0,
      opens: s.kind === 'closed' ? 0 : s.opens,
      savedAt: Date.now(),
    };
    return snapshot;
  }
}
