/**
 * `backpressure-kit/solver`: a CaptchaAI / 2captcha client on undici, and `solveStage`, the
 * production pipeline in one stage. Named exports only.
 */

export type { Classification } from './classify-code.js';
export { classifyCode, knownCodes } from './classify-code.js';
export type {
  CallOptions,
  Solution,
  SolveOptions,
  Solver,
  SolverOptions,
  SolverStats,
} from './create-solver.js';
export { createSolver } from './create-solver.js';
export type { ProviderName, ProviderProfile } from './provider.js';
export { providerNames, providers } from './provider.js';
export { SolveRunError } from './solve-run-error.js';
export type {
  FailedRecord,
  SolvedRecord,
  SolveResult,
  SolveStage,
  SolveStageOptions,
  SolveStageStats,
} from './solve-stage.js';
export { solveStage } from './solve-stage.js';
export type {
  SolverErrorCode,
  SolverErrorDetails,
  SolverErrorKind,
  SolverPhase,
} from './solver-error.js';
export {
  InvalidTaskError,
  isSolverError,
  SolverClosedError,
  SolverError,
  SolverTimeoutError,
  solverErrorCode,
  solverErrorKinds,
} from './solver-error.js';
export { solverFailureClass } from './solver-failure-class.js';
export type {
  HCaptchaTask,
  ImageTask,
  RecaptchaV2Task,
  RecaptchaV3Task,
  Task,
  TaskBase,
  TaskType,
  TurnstileTask,
} from './task.js';
export { taskTypes } from './task.js';
export { taskParams } from './task-params.js';
export { validateTask } from './validate-task.js';
