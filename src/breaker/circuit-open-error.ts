import { BackpressureError } from '../errors.js';

/**
 * A call was refused because the circuit is open, or half-open with every trial slot taken.
 * Code `ERR_BPK_CIRCUIT_OPEN`. `retryAfter` is how many milliseconds remain until the breaker
 * admits trial calls again (0 when it is half-open and only waits for a trial slot), so
 * {@link retry} waits exactly that long before the next attempt.
 */
export class CircuitOpenError extends BackpressureError {
  /** Milliseconds until the breaker turns half-open (0 when it already is). */
  readonly retryAfter: number;
  /** The breaker state that refused the call. */
  readonly state: 'open' | 'half-open';

  constructor(state: 'open' | 'half-open', retryAfter: number, cause?: unknown) {
    super(
      'ERR_BPK_CIRCUIT_OPEN',
      state === 'open'
        ? `The circuit is open; calls are refused for another ${Math.ceil(retryAfter)} ms`
        : 'The circuit is half-open and every trial slot is taken',
      cause === undefined ? undefined : { cause },
    );
    this.name = 'CircuitOpenError';
    this.state = state;
    this.retryAfter = retryAfter;
  }
}
