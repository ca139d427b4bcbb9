import { BackpressureError } from '../errors.js';

/**
 * A user's `onDrop` callback (of `shed`) threw. The drop itself still happened and was
 * counted; this error reaches the consumer only after the source ended and every admitted item
 * was emitted. `cause` is the first error thrown, `failures` how many calls threw in all.
 * Code `ERR_BPK_DROP_CALLBACK`.
 */
export class DropCallbackError extends BackpressureError {
  /** How many calls of `onDrop` threw in all. */
  readonly failures: number;

  constructor(cause: unknown, failures: number) {
    super(
      'ERR_BPK_DROP_CALLBACK',
      `onDrop threw ${failures} time${failures === 1 ? '' : 's'}; every item was still accounted for`,
      { cause },
    );
    this.name = 'DropCallbackError';
    this.failures = failures;
  }
}
