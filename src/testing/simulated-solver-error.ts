import { BackpressureError } from '../errors.js';

/**
 * Why a simulated call failed:
 * - `'no-slot'`: every thread was busy and the queue full (the real service answers
 *   `ERROR_NO_SLOT_AVAILABLE`); nothing was accepted, retrying later is right;
 * - `'outage'`: the service was down (inside an `OutageWindow`); nothing was accepted;
 * - `'error'`: the service worked on the task and failed it (`providerCode` says how).
 */
export type SimulatedFailureReason = 'no-slot' | 'outage' | 'error';

/**
 * The error a `SimulatedSolver` call rejects with (an abort rejects with `AbortedError`).
 * Code `ERR_BPK_SIMULATED_FAILURE`; `reason` says why.
 */
export class SimulatedSolverError<I = unknown> extends BackpressureError {
  /** Why the call failed. */
  readonly reason: SimulatedFailureReason;
  /** The provider's code: `ERROR_NO_SLOT_AVAILABLE`, one of `errorCodes`, or `undefined` for an outage. */
  readonly providerCode: string | undefined;
  /** The task the call was for. */
  readonly item: I;

  constructor(reason: SimulatedFailureReason, item: I, providerCode: string | undefined) {
    super(
      'ERR_BPK_SIMULATED_FAILURE',
      `simulated solver: ${reason}${providerCode ? ` (${providerCode})` : ''}`,
    );
    this.name = 'SimulatedSolverError';
    this.reason = reason;
    this.item = item;
    this.providerCode = providerCode;
  }
}
