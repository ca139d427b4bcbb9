import { InvalidOptionTypeError, InvalidOptionValueError } from '../errors.js';

/**
 * Anything with a cheap `stats()` snapshot: every stage of the toolkit, a circuit breaker, a
 * rate limiter, a solver, or a stage of your own.
 */
export interface StatsSource {
  stats(): object;
}

/** Stages to watch, keyed by the name they are reported under. */
export type StatsSources = Readonly<Record<string, StatsSource>>;

/**
 * Validates a record of named stats sources when `monitor` or an exporter is called: an
 * object of at least one entry, each with a `stats()` method.
 */
export function statsSources<S extends StatsSources>(option: string, value: unknown): S {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionTypeError({
      option,
      expected: 'an object of named stages with stats()',
      received: value,
    });
  }
  const names = Object.keys(value);
  if (names.length === 0) {
    throw new InvalidOptionValueError({
      option,
      expected: 'an object of at least one named stage with stats()',
      received: value,
    });
  }
  for (const name of names) {
    const stage = (value as Record<string, unknown>)[name];
    const hasStats =
      (typeof stage === 'object' || typeof stage === 'function') &&
      stage !== null &&
      typeof (stage as { stats?: unknown }).stats === 'function';
    if (!hasStats) {
      throw new InvalidOptionTypeError({
        option: `${option}.${name}`,
        expected: 'a stage (or breaker) with a stats() method',
        received: stage,
      });
    }
  }
  return value as S;
}
