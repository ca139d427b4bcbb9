/**
 * `backpressure-kit/testing`: tools for testing pipelines and stages, ours or your own.
 */
export { VirtualClock } from './virtual-clock.js';
