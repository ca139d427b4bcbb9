/**
 * `backpressure-kit/mock`: a local CaptchaAI / 2captcha-compatible solver service (node:http)
 * for tests, demos and benchmarks. Named exports only.
 */
export { DEFAULT_MOCK_KEY, SAMPLE_IMAGE_BASE64 } from './constants.js';
export { startMockSolver } from './start-mock-solver.js';
export type {
  MockBadKeyBan,
  MockFault,
  MockFaultKind,
  MockFaultParameters,
  MockKeyOptions,
  MockKeyState,
  MockLatency,
  MockLatencyTable,
  MockPollBudget,
  MockPollTimings,
  MockProvider,
  MockRequestRecord,
  MockRoute,
  MockScript,
  MockSolver,
  MockSolverOptions,
  MockSolverPatch,
  MockSolverState,
  MockStep,
  MockSubmitBurstBan,
  MockTaskScript,
  MockTaskType,
} from './types.js';
