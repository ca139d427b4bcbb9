/**
 * `backpressure-kit/testing`: tools for testing pipelines and stages, ours or your own.
 */

export type {
  ConformanceCheck,
  ConformanceHooks,
  ConformanceSubject,
} from './conformance.js';
export { conformanceChecks } from './conformance.js';
export { VirtualClock } from './virtual-clock.js';
