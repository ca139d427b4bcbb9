import { DEFAULT_MOCK_KEY, startMockSolver } from '../../src/mock/index.js';
import type { MockSolver, MockSolverOptions } from '../../src/mock/types.js';
import { createSolver, type Solver, type SolverOptions } from '../../src/solver/index.js';
import { type Closable, closeCheckingConnections } from '../helpers/connections.js';

export { DEFAULT_MOCK_KEY };

/** Open mocks and solvers, closed by {@link closeAll} after each test. */
const open: Closable[] = [];

/**
 * A mock on 127.0.0.1:0 in scaled time, and a solver pointed at it whose delays are scaled to
 * match (a 5 s poll interval becomes 5 s × timeScale).
 */
export async function mockAndSolver(
  mockOptions: MockSolverOptions = {},
  solverOptions: Partial<SolverOptions> = {},
): Promise<{ mock: MockSolver; solver: Solver }> {
  const timeScale = mockOptions.timeScale ?? 0.001;
  const mock = await startMockSolver({ timeScale, ...mockOptions });
  open.push(mock);
  const solver = createSolver({
    apiKey: DEFAULT_MOCK_KEY,
    baseUrl: mock.url,
    provider: mockOptions.provider ?? 'captchaai',
    firstPollDelay: 5,
    pollInterval: 5,
    transientDelay: 5,
    requestTimeout: 1_000,
    ...solverOptions,
  });
  open.unshift(solver);
  return { mock, solver };
}

export async function closeAll(): Promise<void> {
  await closeCheckingConnections(open.splice(0)); // solvers first, then their mocks
}
