import * as validate from '../internal/validate.js';
import { clampLimit, type LimitAlgorithm, type LimitController } from './limit-algorithm.js';

/**
 * A limit that never moves: `n` calls at once (clamped into the stage's `[min, max]`).
 * `adaptiveMap(fn, { min: n, max: n })` does the same.
 *
 * @param n - concurrent calls, an integer from 1 and up.
 * @throws `TypeError` / `RangeError` at once when `n` is not an integer from 1 and up.
 * @example
 * ```ts
 * const solve = adaptiveMap(solveOne, { limit: fixedLimit(8) });
 * ```
 */
export function fixedLimit(n: number): LimitAlgorithm {
  const value = validate.integer('n', n, { min: 1 });
  return {
    name: 'fixed',
    create(bounds): LimitController {
      const limit = clampLimit(value, bounds);
      return { limit, onSample: () => limit };
    },
  };
}
