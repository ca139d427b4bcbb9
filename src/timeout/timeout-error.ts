import { BackpressureError } from '../errors.js';

/**
 * A call run by `timeout()` did not settle within its time limit. Code `ERR_BPK_TIMEOUT`; `ms`
 * is the limit. Its `name` is `TimeoutError` (as for `AbortSignal.timeout()`), so it is not an
 * abort: a breaker counts it as a failure and `retry` retries it.
 */
export class TimeoutError extends BackpressureError {
  /** The time limit that passed, in ms. */
  readonly ms: number;

  constructor(ms: number) {
    super('ERR_BPK_TIMEOUT', `The call did not settle within ${ms} ms`);
    this.name = 'TimeoutError';
    this.ms = ms;
  }
}
