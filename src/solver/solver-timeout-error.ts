import { SolverError } from './solver-error.js';

/**
 * A task was not solved within the solver's overall `timeout`. The kind says why:
 *
 * - `transient` when the service could not be reached at the end (the last submit or poll
 *   failed transiently: network, timeout, 5xx…); `cause` is that last failure, and breakers
 *   count it like any transient failure;
 * - `unsolvable` when the service kept answering "not ready": like its own
 *   `ERROR_CAPTCHA_UNSOLVABLE`, the task may be resubmitted a bounded number of times.
 *
 * `code` is `ERR_BPK_SOLVER_DEADLINE` either way.
 */
export class SolverTimeoutError extends SolverError {
  /** The deadline that passed, in milliseconds. */
  readonly timeout: number;

  constructor(timeout: number, taskId: string | undefined, polls: number, cause?: unknown) {
    const unreachable = cause instanceof SolverError && cause.kind === 'transient';
    super({
      kind: unreachable ? 'transient' : 'unsolvable',
      code: 'ERR_BPK_SOLVER_DEADLINE',
      message: `No answer within the ${timeout} ms deadline${taskId === undefined ? '' : ` for task ${taskId}`} after ${polls} poll${polls === 1 ? '' : 's'}${unreachable ? ` (the service could not be reached: ${cause.message})` : ''}`,
      phase: taskId === undefined ? 'submit' : 'poll',
      taskId,
      cause,
    });
    this.name = 'SolverTimeoutError';
    this.timeout = timeout;
  }
}
