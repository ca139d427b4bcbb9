/**
 * Bounds parsing, in one place for every stage: `min`, `max` and `initial` have one home (the
 * stage, which hands them to the algorithm's `create`), and bounds given in a second place
 * (an algorithm factory's deprecated options) either agree or throw.
 */
import { describeValue, InvalidOptionValueError } from '../errors.js';
import * as validate from '../internal/validate.js';
import type {
  AlgorithmBoundsOptions,
  LimitAlgorithm,
  LimitBounds,
  LimitBoundsOptions,
  LimitController,
} from './limit-algorithm.js';

const BOUND_NAMES = ['min', 'max', 'initial'] as const;

/** Where a stage's bounds may also come from, for {@link parseLimitBounds}. */
export interface LimitBoundsContext {
  /** `max` when neither the stage nor its algorithm sets one (raised to `min`). @default 100 */
  readonly defaultMax?: number;
  /** The stage's algorithm: its deprecated bounds count as the stage's where it sets none. */
  readonly algorithm?: unknown;
  /** The stage option that holds the algorithm, to name its bounds in errors. @default 'limit' */
  readonly algorithmOption?: string;
}

/**
 * Validates a stage's `min`, `max` and `initial` and fills in the defaults (`min` 1, `max`
 * `defaultMax` but at least `min`, `initial` `min(max, max(min, 4))`). A bound the stage leaves
 * out is taken from the algorithm's deprecated bounds options when it has one there.
 *
 * @throws `InvalidOptionTypeError` / `InvalidOptionValueError` for a bad bound, and
 * `InvalidOptionValueError` naming both options and both values when the stage and its
 * algorithm set the same bound to different values (`max: 4` with `kneeLimit({ max: 3 })`).
 */
export function parseLimitBounds(
  options: LimitBoundsOptions,
  context: LimitBoundsContext = {},
): LimitBounds {
  const requested = requestedBounds(context.algorithm);
  const prefix = context.algorithmOption ?? 'limit';
  const pick = (name: (typeof BOUND_NAMES)[number]) => {
    const own = options[name];
    const theirs = requested?.[name];
    if (own === undefined) return { option: `${prefix}.${name}`, value: theirs };
    if (theirs !== undefined && theirs !== own)
      throw conflictingBound(`${prefix}.${name}`, theirs, `\`${name}\` (${describeValue(own)})`);
    return { option: name, value: own };
  };
  const low = pick('min');
  const high = pick('max');
  const start = pick('initial');
  const min = validate.optional(low.value, 1, (v) => validate.integer(low.option, v, { min: 1 }));
  const max = validate.optional(high.value, Math.max(context.defaultMax ?? 100, min), (v) =>
    validate.integer(high.option, v, { min }),
  );
  const initial = validate.optional(start.value, Math.min(max, Math.max(min, 4)), (v) =>
    validate.integer(start.option, v, { min, max }),
  );
  return { min, max, initial };
}

/**
 * Validates the deprecated `min`, `max` and `initial` of an algorithm factory. Each stays
 * optional (no defaults: the stage fills in what is left out); `undefined` when none is given.
 */
export function parseAlgorithmBounds(
  options: AlgorithmBoundsOptions,
): Readonly<Partial<LimitBounds>> | undefined {
  const { min, max, initial } = options;
  if (min === undefined && max === undefined && initial === undefined) return undefined;
  const low = validate.optional(min, 1, (v) => validate.integer('min', v, { min: 1 }));
  const high = validate.optional(max, Number.POSITIVE_INFINITY, (v) =>
    validate.integer('max', v, { min: low }),
  );
  if (initial !== undefined) validate.integer('initial', initial, { min: low, max: high });
  return Object.freeze({
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
    ...(initial === undefined ? {} : { initial }),
  });
}

/**
 * Makes a {@link LimitAlgorithm} whose `create` refuses bounds that contradict the ones given
 * to its factory (a stage always passes agreeing ones: {@link parseLimitBounds} merged them).
 */
export function limitAlgorithm(
  name: string,
  requested: Readonly<Partial<LimitBounds>> | undefined,
  create: (bounds: LimitBounds) => LimitController,
): LimitAlgorithm {
  if (requested === undefined) return { name, create };
  return {
    name,
    bounds: requested,
    create(bounds: LimitBounds): LimitController {
      for (const key of BOUND_NAMES) {
        const theirs = requested[key];
        if (theirs !== undefined && theirs !== bounds[key])
          throw conflictingBound(key, theirs, `the \`${key}\` given to create() (${bounds[key]})`);
      }
      return create(bounds);
    },
  };
}

/** The error for one bound set to two different values in two places. */
function conflictingBound(
  option: string,
  received: number,
  other: string,
): InvalidOptionValueError {
  return new InvalidOptionValueError({
    option,
    expected: `left out or the same as ${other}; bounds belong on the stage`,
    received,
  });
}

function requestedBounds(algorithm: unknown): Readonly<Partial<LimitBounds>> | undefined {
  if (typeof algorithm !== 'object' || algorithm === null) return undefined;
  const bounds = (algorithm as LimitAlgorithm).bounds;
  return typeof bounds === 'object' && bounds !== null ? bounds : undefined;
}
