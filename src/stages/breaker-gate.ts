import type {
  CircuitBreaker,
  CircuitBreakerOptions,
  CircuitState,
} from '../breaker/breaker-types.js';
import { circuitBreaker } from '../breaker/circuit-breaker.js';
import { CircuitIsolatedError } from '../breaker/circuit-isolated-error.js';
import { isCircuitBreaker } from '../breaker/is-circuit-breaker.js';
import { AbortedError } from '../errors.js';
import { DONE } from '../internal/done.js';
import { onAnyAbort } from '../internal/signal.js';
import { checkSource, isIteratorResult } from '../internal/source.js';
import * as validate from '../internal/validate.js';
import type { Source, Stage, StageContext } from '../stage.js';
import { PassThroughIterator } from './pass-through-iterator.js';

/** Options of {@link breakerGate} beyond the breaker itself. */
export interface BreakerGateOptions {
  /**
   * What the gate does while the breaker is isolated: `'wait'` holds the flow until
   * `breaker.reset()`; `'throw'` ends the run with a `CircuitIsolatedError` (after returning
   * the source), so a fatal error such as a wrong API key stops the pipeline. @default 'wait'
   */
  whenIsolated?: 'wait' | 'throw';
  /** Aborts every run of the stage: it stops waiting and pulling, returns its source and rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** Counters of a gate, summed over every run of the stage. */
export interface BreakerGateStats {
  /** The breaker's state. */
  state: CircuitState;
  /** Items passed downstream. */
  passed: number;
  /** Times the gate stopped the flow to wait (open, half-open without a free slot, isolated). */
  waits: number;
  /** Total milliseconds the gate kept its source waiting. */
  waitMs: number;
  /** Items pulled but not passed because the consumer stopped or the run aborted. */
  discarded: number;
}

/** The stage {@link breakerGate} returns. */
export interface BreakerGateStage<T> extends Stage<T, T> {
  (source: Source<T>, context?: StageContext): AsyncIterableIterator<T>;
  /** The breaker the gate follows (wrap the downstream calls with it). */
  readonly breaker: CircuitBreaker;
  /** Counters of every run so far. */
  stats(): BreakerGateStats;
}

interface GateCounters {
  passed: number;
  waits: number;
  waitMs: number;
  discarded: number;
}

interface GateConfig {
  readonly breaker: CircuitBreaker;
  readonly whenIsolated: 'wait' | 'throw';
  readonly signal: AbortSignal | undefined;
}

/**
 * A pass-through stage that follows a circuit breaker: while the breaker is closed items flow
 * untouched; while it is open the gate **stops pulling**, so the producer upstream waits and
 * no item is lost or failed by the gate. When the open time ends the gate wakes by itself (a
 * timer on the breaker's clock) and, in half-open, passes at most `halfOpen.trials` items per
 * episode and `halfOpen.concurrency` at once.
 *
 * **Permit flow.** The outcomes come from the calls downstream wrapped with the same
 * breaker (`breaker.wrap` / `execute`). In half-open the gate reserves a trial slot before it
 * pulls an item; the next wrapped call of that episode claims the reservation instead of a new
 * slot, so gate and calls share one budget of trials. A reservation whose call never comes
 * expires with the episode's deadline. After each pull the gate checks admission again: an
 * item pulled just before the breaker opened is held (one item at most) until it may pass.
 *
 * - Early exit (`break`, `return()`): the gate stops waiting, returns its source and clears its
 *   timer and listeners. Abort (`options.signal` or the `pipeline()` signal): the same, then
 *   rejects with an `AbortError`. A source error reaches the consumer unchanged.
 * - Isolated: waits for `reset()`, or throws with `whenIsolated: 'throw'`.
 *
 * @param breaker a breaker made by `circuitBreaker()`, or options to make a new one.
 * @example
 * ```ts
 * const breaker = circuitBreaker({ failureThreshold: 5, resetTimeout: 30_000 });
 * await pipeline(
 *   tasks,
 *   breakerGate(breaker),
 *   adaptiveMap(breaker.wrap((task) => solver.solve(task)), { max: 50 }),
 *   sink,
 * );
 * ```
 */
export function breakerGate<T>(
  breaker?: CircuitBreaker | CircuitBreakerOptions,
  options: BreakerGateOptions = {},
): BreakerGateStage<T> {
  const theBreaker = isCircuitBreaker(breaker) ? breaker : circuitBreaker(breaker);
  const opts = validate.object<BreakerGateOptions>('options', options);
  const config: GateConfig = {
    breaker: theBreaker,
    whenIsolated: validate.optional(opts.whenIsolated, 'wait' as const, (v) =>
      validate.oneOf('whenIsolated', v, ['wait', 'throw'] as const),
    ),
    signal: validate.optional(opts.signal, undefined, (v) => validate.signal('signal', v)),
  };
  const counters: GateCounters = { passed: 0, waits: 0, waitMs: 0, discarded: 0 };
  const run = (source: Source<T>, context?: StageContext): AsyncIterableIterator<T> => {
    return new GateIterator(
      checkSource<T>('breakerGate', source),
      config,
      counters,
      context?.signal,
    );
  };
  const stats = (): BreakerGateStats => ({ ...counters, state: theBreaker.state });
  return Object.assign(run, { breaker: theBreaker, stats });
}

/**
 * Protocol-direct iterator: `nextNow` is hand-written so the closed state costs one state check
 * per item (no async generator, and no promise hop at all over a sync source).
 */
class GateIterator<T> extends PassThroughIterator<T> {
  private readonly breaker: CircuitBreaker;
  private readonly disposeSignals: () => void;
  /** Set when either abort signal fires: a plain field, read once per item. */
  private aborted = false;
  private abortReason: unknown;
  private wake: (() => void) | undefined;

  constructor(
    source: Source<T>,
    private readonly config: GateConfig,
    private readonly counters: GateCounters,
    contextSignal: AbortSignal | undefined,
  ) {
    super('breakerGate', source);
    this.breaker = config.breaker;
    this.racePulls = config.signal !== undefined || contextSignal !== undefined;
    this.disposeSignals = onAnyAbort([config.signal, contextSignal], (reason) => {
      this.abortReason = reason;
      this.aborted = true;
      this.wake?.();
      this.cutPendingPull(new AbortedError(reason));
    });
  }

  protected countDiscarded(): void {
    this.counters.discarded++;
  }

  protected readonly nextNow = (): Promise<IteratorResult<T>> => {
    if (this.finished) return Promise.resolve(DONE);
    if (this.aborted) return this.track(this.abortNow());
    if (this.breaker.state !== 'closed') return this.track(this.step(undefined));
    const syncIt = this.syncIt;
    if (syncIt === undefined) return this.pullFast(this.asyncIt!);
    // Fast path over a sync source: no await at all.
    let result: IteratorResult<T>;
    try {
      result = syncIt.next();
    } catch (error) {
      return this.failed(error);
    }
    if (!isIteratorResult(result)) return this.invalid(result);
    if (result.done) return this.ended();
    this.counters.passed++;
    return Promise.resolve(result);
  };

  protected readonly onPulled = (
    result: IteratorResult<T>,
  ): IteratorResult<T> | Promise<IteratorResult<T>> => {
    const outer = this.fastPending;
    if (result.done) return this.endedFast(outer);
    if (this.breaker.state === 'closed' && !this.finished) {
      this.releaseTail(outer);
      this.counters.passed++;
      return result;
    }
    return this.releaseTailAfter(this.step({ value: result.value }), outer);
  };

  /** The slow path: wait until the breaker admits, then pull (or pass the held item). */
  private async step(held: { value: T } | undefined): Promise<IteratorResult<T>> {
    const breaker = this.breaker;
    for (;;) {
      if (this.finished) {
        if (held) this.counters.discarded++;
        return DONE;
      }
      if (this.aborted) {
        if (held) this.counters.discarded++;
        return this.abortNow();
      }
      const state = breaker.state;
      if (state === 'closed') {
        if (held) return this.emit(held.value);
        const result = await this.pull();
        if (result.done) return DONE;
        if (breaker.state === 'closed') return this.emit(result.value);
        held = { value: result.value };
      } else if (state === 'half-open') {
        const generation = breaker.reserveTrial();
        if (generation === undefined) {
          await this.wait(breaker.halfOpenDeadline, 'half-open');
          continue;
        }
        if (held) return this.emit(held.value);
        const result = await this.pull();
        if (result.done || this.finished) {
          // No item to pass (or nobody to pass it to): give the trial slot back.
          breaker.cancelReservation(generation);
          if (!result.done) this.counters.discarded++;
          return DONE;
        }
        // The reservation still holds when the episode is the same one.
        if (breaker.generation === generation) return this.emit(result.value);
        held = { value: result.value };
      } else if (state === 'open') {
        await this.wait(breaker.openUntil, 'open');
      } else if (this.config.whenIsolated === 'throw') {
        if (held) this.counters.discarded++;
        await this.close();
        throw this.isolatedError();
      } else {
        await this.wait(undefined, 'isolated');
      }
    }
  }

  /** The breaker's own refusal, which carries the fatal error as `cause`. */
  private isolatedError(): unknown {
    try {
      this.breaker.acquire().release();
    } catch (error) {
      return error;
    }
    return new CircuitIsolatedError();
  }

  private emit(value: T): IteratorResult<T> {
    if (this.finished) {
      this.counters.discarded++;
      return DONE;
    }
    this.counters.passed++;
    return { done: false, value };
  }

  private pull(): Promise<IteratorResult<T>> {
    if (this.syncIt === undefined) return this.pullSlow(this.asyncIt!);
    let result: IteratorResult<T>;
    try {
      result = this.syncIt.next();
    } catch (error) {
      return this.failed(error);
    }
    if (!isIteratorResult(result)) return this.invalid(result);
    if (result.done) this.finish();
    return Promise.resolve(result);
  }

  /**
   * Waits until `until` (breaker clock time), an admission change, `return()` or an abort.
   * Returns at once when the state is no longer `expected` (time may have moved on between
   * reading the state and registering the listener, on a real clock).
   */
  private wait(until: number | undefined, expected: CircuitState): Promise<void> {
    const clock = this.breaker.clock;
    const startedAt = clock.now();
    this.counters.waits++;
    return new Promise<void>((resolve) => {
      const timer = new AbortController();
      let settled = false;
      const done = (): void => {
        if (settled) return;
        settled = true;
        timer.abort();
        disposeAdmission();
        this.wake = undefined;
        this.counters.waitMs += clock.now() - startedAt;
        resolve();
      };
      const disposeAdmission = this.breaker.onAdmissionChange(done);
      this.wake = done;
      if (this.finished || this.aborted || this.breaker.state !== expected) {
        done();
        return;
      }
      if (until !== undefined) {
        clock.sleep(Math.max(0, until - startedAt), timer.signal).then(done, () => {});
      }
    });
  }

  private async abortNow(): Promise<never> {
    const reason = this.abortReason;
    await this.close();
    throw new AbortedError(reason);
  }

  /** Marks the run finished without touching the source (it ended or failed by itself). */
  protected finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.disposeSignals();
    this.wake?.();
  }
}
