import { BackpressureError } from '../errors.js';
import type { Task } from './task.js';

/**
 * A `solveStage` run stopped before every task had its record: the account is unusable
 * (a `fatal-account` answer such as a wrong key, or no funds on 2captcha; the breaker is then
 * isolated), the solver was closed, or the solver threw something it should not. `cause` is
 * that error; `unfinished` lists every task the stage had accepted that got no record, so no
 * task vanishes without a trace.
 *
 * @example
 * ```ts
 * try {
 *   for await (const result of solveStage(solver)(tasks)) use(result);
 * } catch (error) {
 *   if (error instanceof SolveRunError) requeue(error.unfinished); // and fix the account
 *   else throw error;
 * }
 * ```
 */
export class SolveRunError<T extends Task = Task> extends BackpressureError {
  /** Tasks accepted from the source that were not yielded as a record. */
  readonly unfinished: readonly T[];

  constructor(cause: unknown, unfinished: readonly T[]) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      'ERR_BPK_SOLVER_RUN_STOPPED',
      `The solve run stopped: ${why} (${unfinished.length} task${unfinished.length === 1 ? '' : 's'} unfinished)`,
      { cause },
    );
    this.name = 'SolveRunError';
    this.unfinished = unfinished;
  }
}
