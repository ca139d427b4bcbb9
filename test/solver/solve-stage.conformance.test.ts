import { describe, it } from 'vitest';
import type { Clock } from '../../src/internal/clock.js';
import { type SolveResult, solveStage, type Task } from '../../src/solver/index.js';
import type { Source, Stage } from '../../src/stage.js';
import { conformanceChecks } from '../../src/testing/index.js';
import { fakeSolver } from './fake-solver.js';

/** Real time, but every sleep is a few microtask turns: the fake solver finishes at once. */
const quickClock: Clock = {
  now: () => performance.now(),
  sleep: async (ms, signal) => {
    for (let i = ms % 3; i > 0; i--) await null;
    if (signal?.aborted) throw signal.reason;
  },
};

/** solveStage reading numbers: each number n becomes image task n, each record maps back. */
function numbered(): Stage<number, SolveResult> {
  const solver = fakeSolver(quickClock, (task) => ({ ms: Number(task.id) }));
  const stage = solveStage(solver, { clock: quickClock, rateLimit: false, max: 4, initial: 4 });
  return (source: Source<number>, context) => {
    async function* tasks(): AsyncGenerator<Task> {
      for await (const n of source) yield { type: 'image', body: 'AAAA', id: n };
    }
    return stage(tasks(), context);
  };
}

describe('conformance: solveStage', () => {
  for (const check of conformanceChecks({
    name: 'solveStage(fake solver)',
    create: () => numbered(),
    inputOf: (record) => (record as SolveResult).task.id as number,
    ordered: false,
    numRuns: 20,
  })) {
    it(check.name, check.run);
  }
});
