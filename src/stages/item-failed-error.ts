import { BackpressureError } from '../errors.js';

/**
 * One item of `adaptiveMap` failed: its call threw (or returned a value classified as
 * `failure`), or it was dropped by the service on every allowed attempt. The item is attached,
 * so no item is ever lost without a trace; `cause` is what the last attempt threw or returned.
 *
 * Thrown by the stage when `settle` is false; with `settle: true` an exhausted drop appears as
 * the `reason` of a rejected record instead (other failures keep their original error there).
 */
export class ItemFailedError<I = unknown> extends BackpressureError {
  /** The input item whose call failed. */
  readonly item: I;
  /** How the last attempt ended: `failure`, or `drop` when every allowed retry was dropped too. */
  readonly outcome: 'failure' | 'drop';
  /** Calls made for this item, retries included. */
  readonly attempts: number;

  constructor(item: I, outcome: 'failure' | 'drop', attempts: number, cause: unknown) {
    super(
      'ERR_BPK_ITEM_FAILED',
      outcome === 'drop'
        ? `The item was dropped by the service on all ${attempts} attempts`
        : `The item's call failed${cause instanceof Error ? `: ${cause.message}` : ''}`,
      { cause },
    );
    this.name = 'ItemFailedError';
    this.item = item;
    this.outcome = outcome;
    this.attempts = attempts;
  }
}
