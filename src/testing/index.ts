/**
 * `backpressure-kit/testing`: tools for testing pipelines and stages, ours or your own.
 */

// Arrival patterns, the simulated solver, invariant checkers (none of these load fast-check)
export type { ArrivalPattern, ArrivalSource, ArrivalSourceOptions } from './arrivals.js';
export { arrivalSource, arrivalTimes } from './arrivals.js';
export { collect } from './collect.js';
export type {
  ConformanceBadOption,
  ConformanceCheck,
  ConformanceHooks,
  ConformanceOutcome,
  ConformanceRunContext,
  ConformanceSubject,
} from './conformance.js';
export { conformanceChecks } from './conformance.js';
export type { DriveClockOptions } from './drive-clock.js';
export { driveClock } from './drive-clock.js';
export { InvariantViolation } from './invariant-violation.js';
export type {
  BoundsGauge,
  CleanupRecord,
  ConservationRecord,
  ConservationSummary,
  DroppedItem,
  ListenerProbe,
} from './invariants.js';
export {
  boundsGauge,
  checkCleanup,
  checkConservation,
  checkOrder,
  probeListeners,
} from './invariants.js';
export type { CountingClock, TrackedAbortController } from './leak-tracking.js';
export { countingClock, trackedAbortController } from './leak-tracking.js';
export type {
  SimulatedAnswer,
  SimulatedSolver,
  SimulatedSolverOptions,
  SimulatedSolverStats,
  SimulatedTicket,
} from './simulated-solver.js';
export { classifySimulatedOutcome, simulatedSolver } from './simulated-solver.js';
export type {
  SimulatedSolverDispatcherOptions,
  SimulatedTaskFields,
} from './simulated-solver-dispatcher.js';
export { SimulatedSolverDispatcher } from './simulated-solver-dispatcher.js';
export {
  type SimulatedFailureReason,
  SimulatedSolverError,
} from './simulated-solver-error.js';
export type {
  LatencyDistribution,
  OutageWindow,
  ResolvedSolverBehaviour,
  SolverBehaviour,
} from './solver-behaviour.js';
export { drawLatency, resolveSolverBehaviour } from './solver-behaviour.js';
export type {
  TrackedSource,
  TrackedSourceOptions,
  TrackedSourceState,
} from './tracked-source.js';
export { naturals, trackedSource } from './tracked-source.js';
export { VirtualClock } from './virtual-clock.js';
