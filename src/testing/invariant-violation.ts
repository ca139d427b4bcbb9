/**
 * Thrown by the invariant checkers of `backpressure-kit/testing` (and by {@link driveClock}
 * when a run stalls): which invariant broke and how, in words a failing test can show as is.
 */
export class InvariantViolation extends Error {
  /** The invariant that broke: `'conservation'`, `'bounds'`, `'order'`, `'cleanup'` or `'progress'`. */
  readonly invariant: string;

  constructor(invariant: string, message: string) {
    super(`${invariant}: ${message}`);
    this.name = 'InvariantViolation';
    this.invariant = invariant;
  }
}
