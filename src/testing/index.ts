/**
 * `backpressure-kit/testing`: tools for testing pipelines and stages, ours or your own.
 */

export type {
  ConformanceCheck,
  ConformanceHooks,
  ConformanceSubject,
} from './conformance.js';
export { conformanceChecks } from './conformance.js';
export type { CountingClock, TrackedAbortController } from './leak-tracking.js';
export { countingClock, trackedAbortController } from './leak-tracking.js';
export { VirtualClock } from './virtual-clock.js';
