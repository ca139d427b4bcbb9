import * as validate from '../internal/validate.js';
import type { LimitBounds, LimitBoundsOptions } from './limit-algorithm.js';

/** Validates a limit factory's own `min`, `max` and `initial` (the stage's defaults). */
export function parseLimitBounds(options: LimitBoundsOptions): LimitBounds {
  const min = validate.optional(options.min, 1, (v) => validate.integer('min', v, { min: 1 }));
  const max = validate.optional(options.max, Math.max(100, min), (v) =>
    validate.integer('max', v, { min }),
  );
  const initial = validate.optional(options.initial, Math.min(max, Math.max(min, 4)), (v) =>
    validate.integer('initial', v, { min, max }),
  );
  return { min, max, initial };
}
