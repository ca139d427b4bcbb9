import { InvalidOptionValueError } from '../errors.js';
import * as validate from '../internal/validate.js';
import type { LimitAlgorithm, LimitBounds, LimitController } from './limit-algorithm.js';
import { limitAlgorithm } from './limit-bounds.js';

/**
 * A limit that never moves: `n` calls at once. `n` must lie in the stage's `[min, max]`
 * (with the default `max` of 100, `fixedLimit(500)` needs `max: 500`).
 * `adaptiveMap(fn, { min: n, max: n })` does the same.
 *
 * @param n - concurrent calls, an integer from 1 and up.
 * @throws `TypeError` / `RangeError` at once when `n` is not an integer from 1 and up, and an
 * `InvalidOptionValueError` when a stage with bounds that exclude `n` creates its controller
 * (when the stage is made).
 * @example
 * ```ts
 * const solve = adaptiveMap(solveOne, { algorithm: fixedLimit(8) });
 * ```
 */
export function fixedLimit(n: number): LimitAlgorithm {
  const value = validate.integer('n', n, { min: 1 });
  return limitAlgorithm('fixed', undefined, (bounds: LimitBounds): LimitController => {
    if (value < bounds.min || value > bounds.max) {
      // Clamping would silently run another number of calls than the one asked for.
      throw new InvalidOptionValueError({
        option: 'fixedLimit(n)',
        expected: `inside the stage's \`min\` ${bounds.min} and \`max\` ${bounds.max}`,
        received: value,
      });
    }
    return { limit: value, onSample: () => value };
  });
}
