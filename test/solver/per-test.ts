import { createSolver, type Solver, type SolverOptions } from '../../src/solver/index.js';
import {
  closeAfterEach,
  type FakeServer,
  fastOptions,
  type Handler,
  type Step,
  startFakeServer,
  startScripted,
} from './fake-server.js';

/** The key the per-test solvers use (what every secrecy check looks for). */
export const TEST_KEY = 'feedfacefeedfacefeedfacefeedface';

/**
 * One fake server and one solver per test, closed (and checked for leaks) after each: call
 * at the top of a test file.
 */
export function serverAndSolverPerTest(defaults: Partial<SolverOptions> = {}) {
  let server: FakeServer | undefined;
  let solver: Solver | undefined;
  closeAfterEach(() => {
    const open = [solver, server];
    solver = undefined;
    server = undefined;
    return open;
  });
  return {
    /** Starts a scripted server (see `startScripted`). */
    async scripted(script: {
      submits?: Step[];
      polls?: Step[];
      other?: Step;
    }): Promise<FakeServer> {
      server = await startScripted(script);
      return server;
    },
    /** Starts a server with a handler of its own. */
    async server(handler: Handler): Promise<FakeServer> {
      server = await startFakeServer(handler);
      return server;
    },
    /** A solver for the server: fast polls, `defaults`, then `extra`. */
    solver(extra: Partial<SolverOptions> = {}): Solver {
      solver = createSolver(
        // Without a server (a test's own dispatcher), a port nothing listens on.
        fastOptions(TEST_KEY, server?.url ?? 'http://127.0.0.1:1', { ...defaults, ...extra }),
      );
      return solver;
    },
    /** Closes a solver made elsewhere after the test too. */
    adopt(other: Solver): Solver {
      solver = other;
      return other;
    },
  };
}
