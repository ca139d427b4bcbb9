import { BackpressureError } from '../errors.js';

/**
 * Every attempt of `retry` failed with a retryable error. Code `ERR_BPK_RETRY_EXHAUSTED`;
 * `cause` is the last error, `attempts` how many attempts ran.
 */
export class RetryExhaustedError extends BackpressureError {
  /** Attempts made, all failed. */
  readonly attempts: number;

  constructor(attempts: number, cause: unknown) {
    super(
      'ERR_BPK_RETRY_EXHAUSTED',
      `Gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}; the last error is the cause`,
      { cause },
    );
    this.name = 'RetryExhaustedError';
    this.attempts = attempts;
  }
}
