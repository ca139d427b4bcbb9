import { internalsOf } from './breaker-internals.js';
import type { CircuitBreaker } from './breaker-types.js';

/**
 * True when `value` is a {@link CircuitBreaker} made by `circuitBreaker()`, so a stage can take
 * either a shared breaker or options for a new one.
 */
export function isCircuitBreaker(value: unknown): value is CircuitBreaker {
  return internalsOf(value) !== undefined;
}
