import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvalidOptionValueError } from '../../src/errors.js';
import { createSolver, type SolverOptions, solveStage, type Task } from '../../src/solver/index.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { fakeSolver } from './fake-solver.js';
import { serverAndSolverPerTest } from './per-test.js';

const each = serverAndSolverPerTest({ submitRetries: 0 });
const MAX = 2 ** 31 - 1;
const solverDurations = [
  'firstPollDelay',
  'pollInterval',
  'timeout',
  'requestTimeout',
  'transientDelay',
] as const;
const stageDurations = ['retryDelay', 'maxRetryDelay'] as const;

describe('durations a timer cannot hold are refused at factory time', () => {
  test.prop([
    fc.constantFrom(...solverDurations),
    fc.double({ min: MAX + 1, max: 1e15, noNaN: true }),
  ])('createSolver refuses any duration above 2^31 - 1 ms, naming the option', (option, ms) => {
    let error: unknown;
    try {
      createSolver({ apiKey: 'k', [option]: ms } as SolverOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionValueError);
    expect(error).toMatchObject({ option, code: 'ERR_BPK_INVALID_OPTION_VALUE' });
  });

  it('accepts 2^31 - 1 ms exactly for each', async () => {
    for (const option of solverDurations) {
      const solver = createSolver({ apiKey: 'k', [option]: MAX } as SolverOptions);
      await solver.close();
    }
  });

  test.prop([
    fc.constantFrom(...stageDurations),
    fc.double({ min: MAX + 1, max: 1e15, noNaN: true }),
  ])('solveStage refuses retryDelay and maxRetryDelay above 2^31 - 1 ms', (option, ms) => {
    const solver = fakeSolver(new VirtualClock(), () => ({ ms: 1 }));
    expect(() => solveStage(solver, { [option]: ms })).toThrow(InvalidOptionValueError);
  });

  it('a firstPollDelay function returning more than 2^31 - 1 ms rejects that call before any request', async () => {
    const server = await each.scripted({});
    const solver = each.solver({ firstPollDelay: () => MAX + 1 });
    const task: Task = { type: 'image', body: 'AAAA' };
    await expect(solver.solve(task)).rejects.toMatchObject({ option: 'firstPollDelay(task)' });
    expect(server.requests).toEqual([]);
  });
});
