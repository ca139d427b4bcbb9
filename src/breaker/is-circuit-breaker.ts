import type { CircuitBreaker } from './breaker-types.js';

/**
 * True when `value` is a {@link CircuitBreaker} (one made by `circuitBreaker()`: it has
 * `acquire`, `execute` and `reserveTrial`), so a stage can take either a shared breaker or
 * options for a new one.
 */
export function isCircuitBreaker(value: unknown): value is CircuitBreaker {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CircuitBreaker).acquire === 'function' &&
    typeof (value as CircuitBreaker).execute === 'function' &&
    typeof (value as CircuitBreaker).reserveTrial === 'function'
  );
}
