/**
 * `backpressure-kit/testing/arbitraries`: fast-check arbitraries of arrival patterns and solver
 * behaviours. The only entry point that imports fast-check (an optional peer dependency), so
 * `backpressure-kit/testing` itself loads without it.
 */
export type {
  ArrivalArbitraryOptions,
  LatencyArbitraryOptions,
  SolverBehaviourArbitraryOptions,
} from '../arbitraries.js';
export {
  arrivalPatterns,
  burstyArrivals,
  latencyDistributions,
  onOffArrivals,
  rampArrivals,
  solverBehaviours,
  steadyArrivals,
} from '../arbitraries.js';
