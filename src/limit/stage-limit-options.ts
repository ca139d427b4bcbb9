import { InvalidOptionValueError } from '../errors.js';
import * as validate from '../internal/validate.js';
import { fixedLimit } from './fixed-limit.js';
import { kneeLimit } from './knee-limit.js';
import type { LimitAlgorithm, LimitBounds, LimitBoundsOptions } from './limit-algorithm.js';
import { parseLimitBounds } from './limit-bounds.js';

/**
 * The options every adaptive stage (`adaptiveMap`, `adaptiveLimit`) takes for its limit: the
 * bounds, the one place they are set, and the algorithm that moves the limit within them.
 */
export interface StageLimitOptions extends LimitBoundsOptions {
  /**
   * How the limit moves within `[min, max]`: `kneeLimit()`, `aimdLimit()`, `fixedLimit(n)` or
   * your own {@link LimitAlgorithm}. @default kneeLimit() (fixedLimit(min) when `min === max`)
   */
  algorithm?: LimitAlgorithm;
  /**
   * The former name of `algorithm` (it is an algorithm, not a limit). Giving both with
   * different values throws an `InvalidOptionValueError`.
   * @deprecated Use `algorithm`.
   */
  limit?: LimitAlgorithm;
}

/** A stage's parsed limit options: the algorithm and the bounds to create its controller with. */
export interface StageLimit {
  readonly algorithm: LimitAlgorithm;
  readonly bounds: LimitBounds;
}

/**
 * Parses a stage's {@link StageLimitOptions}: the algorithm (`algorithm`, or its deprecated
 * name `limit`), then the bounds with {@link parseLimitBounds}, then the default algorithm
 * (fixed when `min === max`).
 *
 * @throws `InvalidOptionTypeError` / `InvalidOptionValueError` for a bad option, or one set
 * twice to different values (`algorithm` and `limit`; a bound on the stage and on the algorithm).
 */
export function parseStageLimit(options: StageLimitOptions, defaultMax = 100): StageLimit {
  const { algorithm: given, limit: legacy } = options;
  if (given !== undefined && legacy !== undefined && given !== legacy) {
    throw new InvalidOptionValueError({
      option: 'limit',
      expected: 'left out when `algorithm` is given (`limit` is its deprecated name)',
      received: legacy,
    });
  }
  const option = given === undefined ? 'limit' : 'algorithm';
  const custom = validate.optional<LimitAlgorithm | undefined>(given ?? legacy, undefined, (v) => {
    const algorithm = validate.object<LimitAlgorithm>(option, v);
    validate.func(`${option}.create`, algorithm.create);
    return algorithm;
  });
  const bounds = parseLimitBounds(options, {
    defaultMax,
    algorithm: custom,
    algorithmOption: option,
  });
  const algorithm = custom ?? (bounds.min === bounds.max ? fixedLimit(bounds.min) : kneeLimit());
  return { algorithm, bounds };
}
