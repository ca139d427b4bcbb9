import { BackpressureError } from '../errors.js';

/**
 * A call was refused because the circuit is isolated: by `breaker.isolate()`, or because a
 * call failed with an error that `isFailure` classified as `'fatal'` (for example a wrong API
 * key). Code `ERR_BPK_CIRCUIT_ISOLATED`. Only `breaker.reset()` ends isolation. `cause` is the
 * fatal error, when there was one.
 */
export class CircuitIsolatedError extends BackpressureError {
  constructor(cause?: unknown) {
    super(
      'ERR_BPK_CIRCUIT_ISOLATED',
      cause === undefined
        ? 'The circuit is isolated; call breaker.reset() to resume'
        : 'The circuit is isolated after a fatal error; call breaker.reset() to resume',
      cause === undefined ? undefined : { cause },
    );
    this.name = 'CircuitIsolatedError';
  }
}
