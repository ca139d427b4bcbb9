/**
 * `backpressure-kit/solver`: a CaptchaAI / 2captcha client on undici, and `solveStage`, the
 * production pipeline in one stage. Named exports only. Wire internals (how tasks become
 * form fields, how provider codes are classified, the provider profiles) are not exported:
 * the kinds and codes of `SolverError` are the stable face of them.
 */

export type {
  CallOptions,
  Solution,
  SolveOptions,
  Solver,
  SolverStats,
} from './create-solver.js';
export { createSolver } from './create-solver.js';
export { InvalidTaskError } from './invalid-task-error.js';
export type { ProviderName } from './provider.js';
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
export { SolverClosedError } from './solver-closed-error.js';
export type {
  SolverErrorCode,
  SolverErrorDetails,
  SolverErrorKind,
  SolverPhase,
} from './solver-error.js';
export { isSolverError, SolverError, solverErrorKinds } from './solver-error.js';
export { solverFailureClass } from './solver-failure-class.js';
export type { SolverOptions } from './solver-options.js';
export { SolverTimeoutError } from './solver-timeout-error.js';
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
export { validateTask } from './validate-task.js';
