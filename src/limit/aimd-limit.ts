import * as validate from '../internal/validate.js';
import {
  type AlgorithmBoundsOptions,
  clampLimit,
  type LimitAlgorithm,
  type LimitBounds,
  type LimitController,
  type LimitSample,
} from './limit-algorithm.js';
import { limitAlgorithm, parseAlgorithmBounds } from './limit-bounds.js';

/**
 * Options of {@link aimdLimit}: how the limit moves. Its bounds are the stage's (`min`, `max`,
 * `initial` here are deprecated; see {@link AlgorithmBoundsOptions}).
 */
export interface AimdLimitOptions extends AlgorithmBoundsOptions {
  /** Factor applied on a drop, from 0.5 to below 1. @default 0.9 */
  backoff?: number;
  /** Added per success while the limit is in use (`2 * inFlight >= limit`). @default 1 */
  increase?: number;
  /** A success slower than this counts as a drop. @default Infinity (latency is ignored) */
  timeoutMs?: number;
  /**
   * Cut at most once per loss epoch: a drop from a call that started before the last cut is
   * ignored, as TCP cuts once per round trip. `false` cuts on every drop (Netflix's AIMD).
   * @default true
   */
  oncePerEpoch?: boolean;
}

/**
 * Additive increase, multiplicative decrease (the TCP Reno rule, as in Netflix's
 * `AIMDLimit`): +`increase` per success while the limit is used, ×`backoff` on a drop or a
 * success slower than `timeoutMs`. Simple and loss-driven: it climbs until the service sheds,
 * so it suits services that reject fast rather than queue.
 *
 * @throws `TypeError` / `RangeError` at once for a bad option.
 * @example
 * ```ts
 * const solve = adaptiveMap(solveOne, { max: 50, algorithm: aimdLimit({ backoff: 0.8 }) });
 * ```
 */
export function aimdLimit(options: AimdLimitOptions = {}): LimitAlgorithm {
  validate.object('options', options);
  const backoff = validate.optional(options.backoff, 0.9, (v) =>
    validate.number('backoff', v, { min: 0.5, max: 0.999_999 }),
  );
  const increase = validate.optional(options.increase, 1, (v) =>
    validate.number('increase', v, { min: 0 }),
  );
  const timeoutMs = validate.optional(options.timeoutMs, Number.POSITIVE_INFINITY, (v) =>
    validate.number('timeoutMs', v, { min: 0, allowInfinity: true }),
  );
  const oncePerEpoch = validate.optional(options.oncePerEpoch, true, (v) =>
    validate.boolean('oncePerEpoch', v),
  );
  return limitAlgorithm('aimd', parseAlgorithmBounds(options), create);

  function create(bounds: LimitBounds): LimitController {
    let limit = clampLimit(bounds.initial, bounds);
    let lastCutAt = Number.NEGATIVE_INFINITY;
    return {
      get limit() {
        return limit;
      },
      onSample(sample: LimitSample): number {
        const { outcome } = sample;
        if (outcome === 'drop' || (outcome === 'success' && sample.latencyMs > timeoutMs)) {
          const startedAt = sample.now - sample.latencyMs;
          if (!oncePerEpoch || startedAt > lastCutAt) {
            limit = clampLimit(limit * backoff, bounds);
            lastCutAt = sample.now;
          }
        } else if (outcome === 'success' && 2 * sample.inFlight >= limit) {
          limit = clampLimit(limit + increase, bounds);
        }
        return limit;
      },
    };
  }
}
