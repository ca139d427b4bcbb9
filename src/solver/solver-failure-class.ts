import type { FailureClass } from '../breaker/breaker-types.js';
import { isAbortError } from '../errors.js';
import { SolverError } from './solver-error.js';

/**
 * A circuit breaker's `isFailure` for solver calls: `transient` answers (network, timeouts,
 * 5xx, HTML pages) are failures; `overload` and `rate-limited` are `'overload'` (slowing down
 * is the concurrency limit's job, not the breaker's); `fatal-account` is `'fatal'` and
 * isolates the breaker; item-level answers (`fatal-item`, `unsolvable`) and aborts say nothing
 * about the service and are ignored. Any other error counts as a failure.
 *
 * @example
 * ```ts
 * const breaker = circuitBreaker({ failureThreshold: 5, isFailure: solverFailureClass });
 * ```
 */
export function solverFailureClass(error: unknown): FailureClass {
  if (isAbortError(error)) return false;
  if (!(error instanceof SolverError)) return true;
  switch (error.kind) {
    case 'transient':
      return true;
    case 'overload':
    case 'rate-limited':
      return 'overload';
    case 'fatal-account':
      return 'fatal';
    default:
      return false;
  }
}
