import type { StateChange } from './breaker-types.js';

/**
 * The breaker's state machine: a discriminated union of states and one pure transition
 * function. Counters of a half-open episode live on its state object (the breaker updates
 * them in place); every change of kind goes through {@link transition}, and every transition
 * starts a new generation.
 */

export interface ClosedState {
  readonly kind: 'closed';
  readonly generation: number;
}

export interface OpenState {
  readonly kind: 'open';
  readonly generation: number;
  readonly openedAt: number;
  readonly openUntil: number;
  /** Consecutive opens without a close in between, this one included. */
  readonly opens: number;
}

export interface HalfOpenState {
  readonly kind: 'half-open';
  readonly generation: number;
  readonly startedAt: number;
  readonly deadline: number;
  readonly opens: number;
  /** Trial slots taken (calls admitted plus reservations) in this episode. */
  admitted: number;
  /** Reservations made by a gate and not yet claimed by a call. */
  reserved: number;
  /** Trial calls running. */
  active: number;
  /** Trial calls finished. */
  completed: number;
  /** Trial calls that succeeded. */
  successes: number;
}

export interface IsolatedState {
  readonly kind: 'isolated';
  readonly generation: number;
  readonly opens: number;
  /** The fatal error, when isolation was not manual. */
  readonly cause: unknown;
}

export type BreakerState = ClosedState | OpenState | HalfOpenState | IsolatedState;

/** Everything that changes the kind of state. Durations come computed (jitter is not pure). */
export type BreakerEvent =
  | {
      type: 'trip';
      at: number;
      duration: number;
      reason: 'failures' | 'half-open-failure' | 'half-open-deadline';
    }
  | { type: 'open-timeout'; at: number; deadlineMs: number }
  | { type: 'trials-succeeded' }
  | { type: 'trials-inconclusive'; at: number; deadlineMs: number }
  | { type: 'isolate'; cause: unknown; reason: 'isolate' | 'fatal' }
  | { type: 'reset' };

function opensOf(state: BreakerState): number {
  return state.kind === 'closed' ? 0 : state.opens;
}

function halfOpen(
  generation: number,
  at: number,
  deadlineMs: number,
  opens: number,
): HalfOpenState {
  return {
    kind: 'half-open',
    generation,
    startedAt: at,
    deadline: at + deadlineMs,
    opens,
    admitted: 0,
    reserved: 0,
    active: 0,
    completed: 0,
    successes: 0,
  };
}

/**
 * The one transition function. Returns the next state, or the same object when the event does
 * not apply to the current state (for example a trip while isolated).
 */
export function transition(state: BreakerState, event: BreakerEvent): BreakerState {
  const generation = state.generation + 1;
  switch (event.type) {
    case 'trip':
      if (state.kind !== 'closed' && state.kind !== 'half-open') return state;
      return {
        kind: 'open',
        generation,
        openedAt: event.at,
        openUntil: event.at + event.duration,
        opens: opensOf(state) + 1,
      };
    case 'open-timeout':
      if (state.kind !== 'open') return state;
      // The episode starts when the breaker notices (its deadline then covers a full episode
      // even when nobody looked at an idle breaker for a while).
      return halfOpen(generation, event.at, event.deadlineMs, state.opens);
    case 'trials-succeeded':
      if (state.kind !== 'half-open') return state;
      return { kind: 'closed', generation };
    case 'trials-inconclusive':
      if (state.kind !== 'half-open') return state;
      return halfOpen(generation, event.at, event.deadlineMs, state.opens);
    case 'isolate':
      if (state.kind === 'isolated') return state;
      return { kind: 'isolated', generation, opens: opensOf(state), cause: event.cause };
    case 'reset':
      return { kind: 'closed', generation };
  }
}

/** The reason reported to listeners for an event. */
export function reasonOf(event: BreakerEvent): StateChange['reason'] {
  switch (event.type) {
    case 'trip':
      return event.reason;
    case 'isolate':
      return event.reason;
    default:
      return event.type;
  }
}
