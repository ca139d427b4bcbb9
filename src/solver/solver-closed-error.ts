import { BackpressureError } from '../errors.js';

/** `solve()`, `balance()` or `report()` was called on (or interrupted by) a closed solver. */
export class SolverClosedError extends BackpressureError {
  constructor() {
    super('ERR_BPK_SOLVER_CLOSED', 'The solver was closed');
    this.name = 'SolverClosedError';
  }
}
