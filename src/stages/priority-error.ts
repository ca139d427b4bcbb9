import { BackpressureError } from '../errors.js';

/**
 * A `shed` stage's `priority` function threw or returned something other than a number (or
 * NaN). The item it was called with is attached, so it is not lost; `cause` is what went
 * wrong. The consumer receives it after the items admitted before; the source is returned.
 * Code `ERR_BPK_PRIORITY`.
 */
export class PriorityError<T = unknown> extends BackpressureError {
  /** The item the priority function failed for. */
  readonly item: T;

  constructor(item: T, cause: unknown) {
    super('ERR_BPK_PRIORITY', 'The priority function failed for an item; see `item` and `cause`', {
      cause,
    });
    this.name = 'PriorityError';
    this.item = item;
  }
}
