import { type BreakerInternals, internalsOf } from '../breaker/breaker-internals.js';
import type {
  CircuitBreaker,
  CircuitBreakerOptions,
  CircuitState,
} from '../breaker/breaker-types.js';
import { circuitBreaker } from '../breaker/circuit-breaker.js';
import { CircuitIsolatedError } from '../breaker/circuit-isolated-error.js';
import { isCircuitBreaker } from '../breaker/is-circuit-breaker.js';
import { DONE } from '../internal/done.js';
import { noop } from '../internal/noop.js';
import { onAbort } from '../internal/signal.js';
import { checkSource } from '../internal/source.js';
import * as validate from '../internal/validate.js';
import type { Source, Stage, StageContext } from '../stage.js';
import { PassThroughRun, type StepResult } from './pass-through.js';

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
  readonly internals: BreakerInternals;
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
 *   rejects with an `AbortError`. A source error reaches the consumer unchanged. The full
 *   pass-through protocol is stated in `pass-through.ts`.
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
    internals: internalsOf(theBreaker)!,
    whenIsolated: validate.optional(opts.whenIsolated, 'wait' as const, (v) =>
      validate.oneOf('whenIsolated', v, ['wait', 'throw'] as const),
    ),
    signal: validate.optional(opts.signal, undefined, (v) => validate.signal('signal', v)),
  };
  const counters: GateCounters = { passed: 0, waits: 0, waitMs: 0, discarded: 0 };
  const run = (source: Source<T>, context?: StageContext): AsyncIterableIterator<T> => {
    return new GateRun(checkSource<T>('breakerGate', source), config, counters, context?.signal);
  };
  const stats = (): BreakerGateStats => ({ ...counters, state: theBreaker.state });
  return Object.assign(run, { breaker: theBreaker, stats });
}

/**
 * One run of the gate: a hand-written iterator following the protocol of `pass-through.ts`.
 * While the breaker is closed an item costs one state check (and no promise hop at all over a
 * sync source); everything else takes the slow path ({@link GateRun.admit}).
 */
class GateRun<T> extends PassThroughRun<T> {
  private readonly breaker: CircuitBreaker;
  private readonly internals: BreakerInternals;

  constructor(
    source: Source<T>,
    private readonly config: GateConfig,
    private readonly counters: GateCounters,
    contextSignal: AbortSignal | undefined,
  ) {
    super('breakerGate', source, [config.signal, contextSignal]);
    this.breaker = config.breaker;
    this.internals = config.internals;
  }

  protected countDiscarded(): void {
    this.counters.discarded++;
  }

  protected step(): StepResult<T> {
    if (this.finished) return DONE;
    if (this.abortError) return this.abortNow();
    if (this.breaker.state !== 'closed') return this.admit(undefined);
    return this.puller.pull(this.onPulled);
  }

  private readonly onPulled = (result: IteratorResult<T>): StepResult<T> => {
    if (result.done) return DONE;
    if (this.breaker.state === 'closed' && !this.finished) {
      this.counters.passed++;
      return result;
    }
    return this.admit({ value: result.value });
  };

  /** The slow path: wait until the breaker admits, then pull (or pass the held item). */
  private async admit(held: { value: T } | undefined): Promise<IteratorResult<T>> {
    const breaker = this.breaker;
    const internals = this.internals;
    for (;;) {
      if (this.finished) {
        if (held) this.counters.discarded++;
        return DONE;
      }
      if (this.abortError) {
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
        const generation = internals.reserveTrial();
        if (generation === undefined) {
          await this.wait(internals.halfOpenDeadline(), 'half-open');
          continue;
        }
        if (held) return this.emit(held.value);
        const result = await this.pull();
        if (result.done || this.finished) {
          // No item to pass (or nobody to pass it to): give the trial slot back.
          internals.cancelReservation(generation);
          if (!result.done) this.counters.discarded++;
          return DONE;
        }
        // The reservation still holds when the episode is the same one.
        if (internals.generation() === generation) return this.emit(result.value);
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

  private pull(): Promise<IteratorResult<T>> {
    return Promise.resolve(this.puller.pull(identity));
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

  /**
   * Waits until `until` (breaker clock time), an admission change, or the end of the run
   * (`return()`, an abort). Returns at once when the state is no longer `expected` (time may
   * have moved on between reading the state and registering the listener, on a real clock).
   */
  private wait(until: number | undefined, expected: CircuitState): Promise<void> {
    const clock = this.internals.clock;
    const startedAt = clock.now();
    this.counters.waits++;
    return new Promise<void>((resolve) => {
      const timer = new AbortController();
      let settled = false;
      let disposeAdmission = noop;
      let disposeStop = noop;
      const done = (): void => {
        if (settled) return;
        settled = true;
        timer.abort();
        disposeAdmission();
        disposeStop();
        this.counters.waitMs += clock.now() - startedAt;
        resolve();
      };
      disposeAdmission = this.internals.onAdmissionChange(done);
      disposeStop = onAbort(this.stop.signal, done);
      if (settled) return;
      if (this.breaker.state !== expected) {
        done();
        return;
      }
      if (until !== undefined) {
        clock.sleep(Math.max(0, until - startedAt), timer.signal).then(done, noop);
      }
    });
  }
}

function identity<R>(value: R): R {
  return value;
}
