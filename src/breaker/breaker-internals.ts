import type { Clock } from '../internal/clock.js';
import type { CircuitBreaker } from './breaker-types.js';

/**
 * What `breakerGate` needs from a breaker beyond its public face: the clock to sleep on, the
 * half-open trial reservations, and a wake-up when admission may have changed. Kept off the
 * public {@link CircuitBreaker} type (and out of the API docs) in a module-private `WeakMap`:
 * only breakers made by `circuitBreaker()` have a handle, and only code inside the package can
 * read it.
 */
export interface BreakerInternals {
  /** The clock the breaker measures time with; the gate sleeps on the same one. */
  readonly clock: Clock;
  /** Generation of the current state (after applying due time-based transitions). */
  generation(): number;
  /** Clock time the current half-open episode ends at the latest, or `undefined`. */
  halfOpenDeadline(): number | undefined;
  /**
   * Half-open only: reserves a trial slot for an item the gate is about to pass downstream.
   * The next `acquire()` in the same episode claims it. Returns the episode's generation, or
   * `undefined` when no slot is free (or the breaker is not half-open).
   */
  reserveTrial(): number | undefined;
  /** Gives back an unclaimed reservation of episode `generation` (ignored when the episode ended). */
  cancelReservation(generation: number): void;
  /**
   * Calls `listener` whenever admission may have changed: a transition, or a half-open slot
   * freed. Returns a disposer.
   */
  onAdmissionChange(listener: () => void): () => void;
}

const handles = new WeakMap<object, BreakerInternals>();

/** Attaches `internals` to `breaker`; called once by the breaker's constructor. */
export function attachInternals(breaker: CircuitBreaker, internals: BreakerInternals): void {
  handles.set(breaker, internals);
}

/** The internal handle of a breaker made by `circuitBreaker()`, or `undefined` for any other value. */
export function internalsOf(breaker: unknown): BreakerInternals | undefined {
  return typeof breaker === 'object' && breaker !== null ? handles.get(breaker) : undefined;
}
