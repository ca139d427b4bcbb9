import { InvalidOptionTypeError, InvalidOptionValueError } from '../errors.js';
import { number, oneOf } from '../internal/validate.js';
import type { Random } from './random.js';
import type { MockLatency, MockLatencyTable, MockTaskType } from './types.js';

/** A validated latency distribution, in ms before `timeScale`. */
export type LatencyDistribution =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  | {
      readonly kind: 'lognormal';
      readonly mu: number;
      readonly sigma: number;
      readonly max: number;
    };

/** Every task type, in a fixed order. */
export const TASK_TYPES: readonly MockTaskType[] = [
  'recaptcha-v2',
  'recaptcha-v3',
  'hcaptcha',
  'turnstile',
  'image',
];

/** Typical solve times of the real services (see the protocol notes, section 3). */
export const DEFAULT_LATENCY: Readonly<Record<MockTaskType, MockLatency>> = {
  'recaptcha-v2': { distribution: 'lognormal', median: 25_000, p95: 60_000 },
  'recaptcha-v3': { distribution: 'lognormal', median: 8_000, p95: 20_000 },
  hcaptcha: { distribution: 'lognormal', median: 20_000, p95: 45_000 },
  turnstile: { distribution: 'lognormal', median: 12_000, p95: 25_000 },
  image: { distribution: 'lognormal', median: 4_000, p95: 12_000 },
};

// z-score of the 95th percentile of the standard normal distribution.
const Z95 = 1.6448536269514722;

/** Validates one latency option and turns it into a distribution. */
export function resolveLatency(option: string, value: unknown): LatencyDistribution {
  if (typeof value === 'number') {
    return { kind: 'fixed', ms: number(option, value, { min: 0 }) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionTypeError({
      option,
      expected: 'a number of ms or a latency object',
      received: value,
    });
  }
  const v = value as Record<string, unknown>;
  const kind = oneOf(`${option}.distribution`, v.distribution, ['fixed', 'uniform', 'lognormal']);
  if (kind === 'fixed') return { kind, ms: number(`${option}.ms`, v.ms, { min: 0 }) };
  if (kind === 'uniform') {
    const min = number(`${option}.min`, v.min, { min: 0 });
    const max = number(`${option}.max`, v.max, { min });
    return { kind, min, max };
  }
  const median = number(`${option}.median`, v.median, { min: 1 });
  const p95 = number(`${option}.p95`, v.p95, { min: median });
  const max = v.max === undefined ? 4 * p95 : number(`${option}.max`, v.max, { min: p95 });
  const mu = Math.log(median);
  return { kind, mu, sigma: (Math.log(p95) - mu) / Z95, max };
}

/**
 * Validates the `latency` option: one latency for every type, or a table by type whose
 * missing types keep `base`.
 */
export function resolveLatencyTable(
  option: string,
  value: unknown,
  base: Readonly<Record<MockTaskType, LatencyDistribution>>,
): Record<MockTaskType, LatencyDistribution> {
  const out = { ...base };
  if (
    typeof value === 'number' ||
    (typeof value === 'object' && value !== null && 'distribution' in value)
  ) {
    const one = resolveLatency(option, value);
    for (const type of TASK_TYPES) out[type] = one;
    return out;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionTypeError({
      option,
      expected: 'a latency or an object of latencies by task type',
      received: value,
    });
  }
  for (const [type, latency] of Object.entries(value as MockLatencyTable)) {
    if (!(TASK_TYPES as readonly string[]).includes(type)) {
      throw new InvalidOptionValueError({
        option: `${option}.${type}`,
        expected: `a task type (${TASK_TYPES.join(', ')})`,
        received: type,
      });
    }
    if (latency !== undefined)
      out[type as MockTaskType] = resolveLatency(`${option}.${type}`, latency);
  }
  return out;
}

/** Draws one latency in ms (before `timeScale`). */
export function sampleLatency(distribution: LatencyDistribution, random: Random): number {
  switch (distribution.kind) {
    case 'fixed':
      return distribution.ms;
    case 'uniform':
      return distribution.min + (distribution.max - distribution.min) * random();
    case 'lognormal': {
      // Box-Muller; 1 - u keeps the logarithm's argument above 0.
      const u = 1 - random();
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
      return Math.min(distribution.max, Math.exp(distribution.mu + distribution.sigma * z));
    }
  }
}
