import { BackpressureError } from '../errors.js';

/**
 * Thrown by the invariant checkers of `backpressure-kit/testing` (and by {@link driveClock}
 * when a run stalls): which invariant broke and how, in words a failing test can show as is.
 * Code `ERR_BPK_INVARIANT_VIOLATION`.
 */
export class InvariantViolation extends BackpressureError {
  /** The invariant that broke: `'conservation'`, `'bounds'`, `'order'`, `'cleanup'` or `'progress'`. */
  readonly invariant: string;

  constructor(invariant: string, message: string) {
    super('ERR_BPK_INVARIANT_VIOLATION', `${invariant}: ${message}`);
    this.name = 'InvariantViolation';
    this.invariant = invariant;
  }
}
