import * as validate from '../internal/validate.js';
import {
  clampLimit,
  type Limit,
  type LimitBounds,
  type LimitController,
  standaloneLimit,
} from './limit-algorithm.js';

/**
 * A limit that never moves: `n` calls at once (clamped into the stage's `[min, max]`). Used on
 * its own, its `limit` is `n`.
 * `adaptiveMap(fn, { min: n, max: n })` does the same.
 *
 * @param n - concurrent calls, an integer from 1 and up.
 * @throws `TypeError` / `RangeError` at once when `n` is not an integer from 1 and up.
 * @example
 * ```ts
 * const solve = adaptiveMap(solveOne, { limit: fixedLimit(8) });
 * ```
 */
export function fixedLimit(n: number): Limit {
  const value = validate.integer('n', n, { min: 1 });
  const create = (bounds: LimitBounds): LimitController => {
    const limit = clampLimit(value, bounds);
    return { limit, onSample: () => limit };
  };
  // On its own, the controller is simply `n`.
  return standaloneLimit('fixed', create, { min: value, max: value, initial: value });
}
