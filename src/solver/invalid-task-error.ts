import { SolverError } from './solver-error.js';

/**
 * A task object that cannot be sent: thrown by `solve()` (and `validateTask`) before any
 * request is made. `field` names the offending field; kind `fatal-item`.
 */
export class InvalidTaskError extends SolverError {
  /** The task field at fault, e.g. `sitekey` or `type`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super({ kind: 'fatal-item', code: 'ERR_BPK_SOLVER_INVALID_TASK', message });
    this.name = 'InvalidTaskError';
    this.field = field;
  }
}
