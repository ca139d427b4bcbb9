import { describe, expect, it } from 'vitest';
import * as solverEntry from '../../src/solver/index.js';

describe('backpressure-kit/solver entry', () => {
  it('exports the public API by name, and no wire internals', () => {
    expect(Object.keys(solverEntry).sort()).toEqual(
      [
        'InvalidTaskError',
        'SolveRunError',
        'SolverClosedError',
        'SolverError',
        'SolverTimeoutError',
        'createSolver',
        'isSolverError',
        'solveStage',
        'solverErrorKinds',
        'solverFailureClass',
        'taskTypes',
        'validateTask',
      ].sort(),
    );
  });

  it('errors carry stable codes and names', () => {
    const e = new solverEntry.SolverError({ kind: 'overload', message: 'x' });
    expect(e).toMatchObject({ name: 'SolverError', code: 'ERR_BPK_SOLVER_OVERLOAD' });
    expect(new solverEntry.SolverClosedError()).toMatchObject({
      name: 'SolverClosedError',
      code: 'ERR_BPK_SOLVER_CLOSED',
    });
    expect(new solverEntry.SolveRunError(e, [])).toMatchObject({
      name: 'SolveRunError',
      code: 'ERR_BPK_SOLVER_RUN_STOPPED',
      cause: e,
    });
    for (const kind of solverEntry.solverErrorKinds)
      expect(new solverEntry.SolverError({ kind, message: 'x' }).code).toMatch(
        /^ERR_BPK_SOLVER_[A-Z_]+$/,
      );
  });
});
