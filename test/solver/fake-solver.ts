import { AbortedError } from '../../src/errors.js';
import type { Clock } from '../../src/internal/clock.js';
import type {
  Solution,
  SolveOptions,
  Solver,
  SolverStats,
} from '../../src/solver/create-solver.js';
import { SolverError, type SolverErrorKind } from '../../src/solver/solver-error.js';
import type { Task } from '../../src/solver/task.js';

/** What one solve call does: finish after `ms` with a token, or fail with a kind. */
export type Outcome =
  | { ms: number; token?: string }
  | { ms: number; fail: SolverErrorKind; retryAfter?: number };

export interface FakeSolver extends Solver {
  /** Calls per task id. */
  readonly calls: Map<string | number | undefined, number>;
  /** Clock time of every call. */
  readonly callTimes: number[];
  /** The options of every call, in order. */
  readonly options: SolveOptions[];
  /** Calls still running, one entry each, with the signal each was given. */
  readonly running: Set<{ readonly signal: AbortSignal | undefined }>;
  peak: number;
}

/**
 * A solver without HTTP: `script(task, attempt)` decides each call's outcome; time passes on
 * `clock` (a VirtualClock in tests).
 */
export function fakeSolver(
  clock: Clock,
  script: (task: Task, attempt: number) => Outcome,
): FakeSolver {
  const calls = new Map<string | number | undefined, number>();
  const callTimes: number[] = [];
  const running = new Set<{ readonly signal: AbortSignal | undefined }>();
  const seenOptions: SolveOptions[] = [];
  const solver: FakeSolver = {
    provider: 'captchaai',
    calls,
    callTimes,
    running,
    options: seenOptions,
    peak: 0,
    async solve(task, options = {}): Promise<Solution> {
      seenOptions.push(options);
      const attempt = (calls.get(task.id) ?? 0) + 1;
      calls.set(task.id, attempt);
      callTimes.push(clock.now());
      const outcome = script(task, attempt);
      const signal = options.signal;
      // One entry per call (calls of a run may share a signal).
      const call = { signal };
      running.add(call);
      solver.peak = Math.max(solver.peak, running.size);
      try {
        if (signal?.aborted) throw new AbortedError(signal.reason);
        await clock.sleep(outcome.ms, signal);
        if ('fail' in outcome) {
          throw new SolverError({
            kind: outcome.fail,
            message: `scripted ${outcome.fail}`,
            retryAfter: outcome.retryAfter,
          });
        }
        return {
          id: `${task.id}-${attempt}`,
          token: outcome.token ?? `token-${task.id}`,
          elapsedMs: outcome.ms,
          polls: 1,
        };
      } finally {
        running.delete(call);
      }
    },
    balance: async () => 0,
    report: async () => {},
    stats: (): SolverStats => ({
      inFlight: running.size,
      requests: 0,
      submits: 0,
      submitRetries: 0,
      resumed: 0,
      polls: 0,
      solved: 0,
      failed: 0,
      refused: 0,
    }),
    close: async () => {},
  };
  return solver;
}

/** Image tasks with ids 0..n-1. */
export function imageTasks(n: number): Task[] {
  return Array.from({ length: n }, (_, id) => ({ type: 'image' as const, body: 'AAAA', id }));
}
