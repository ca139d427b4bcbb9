import { InvalidOptionTypeError, InvalidOptionValueError } from '../errors.js';

/**
 * Option validators. Each checks one option when a factory is called and throws a
 * `TypeError` (wrong type) or `RangeError` (bad value) that names the dotted option, what was
 * allowed and what was received. Nothing is coerced.
 */

function typeError(option: string, expected: string, received: unknown): never {
  throw new InvalidOptionTypeError({ option, expected, received });
}

function rangeError(option: string, expected: string, received: unknown): never {
  throw new InvalidOptionValueError({ option, expected, received });
}

/** Bounds for {@link integer} and {@link number}; `max` defaults to unbounded. */
export interface NumberBounds {
  min?: number;
  max?: number;
  /** Accepts `Infinity` as a value. */
  allowInfinity?: boolean;
}

function describeRange(kind: string, bounds: NumberBounds): string {
  const { min, max } = bounds;
  if (min !== undefined && max !== undefined && Number.isFinite(max))
    return `${kind} from ${min} to ${max}`;
  if (min !== undefined) return `${kind} from ${min} and up`;
  if (max !== undefined) return `${kind} up to ${max}`;
  return kind;
}

/** Validates an integer option (or `Infinity` when allowed). */
export function integer(option: string, value: unknown, bounds: NumberBounds = {}): number {
  const expected =
    describeRange('an integer', bounds) + (bounds.allowInfinity ? ' or Infinity' : '');
  if (typeof value !== 'number') typeError(option, expected, value);
  const isInfinite = value === Number.POSITIVE_INFINITY && bounds.allowInfinity === true;
  if (!isInfinite && !Number.isInteger(value)) rangeError(option, expected, value);
  checkBounds(option, expected, value, bounds);
  return value;
}

/** Validates a finite number option (or `Infinity` when allowed). */
export function number(option: string, value: unknown, bounds: NumberBounds = {}): number {
  const expected = describeRange('a number', bounds) + (bounds.allowInfinity ? ' or Infinity' : '');
  if (typeof value !== 'number') typeError(option, expected, value);
  const isInfinite = value === Number.POSITIVE_INFINITY && bounds.allowInfinity === true;
  if (Number.isNaN(value) || (!isInfinite && !Number.isFinite(value)))
    rangeError(option, expected, value);
  checkBounds(option, expected, value, bounds);
  return value;
}

function checkBounds(option: string, expected: string, value: number, bounds: NumberBounds): void {
  if (bounds.min !== undefined && value < bounds.min) rangeError(option, expected, value);
  if (bounds.max !== undefined && value > bounds.max) rangeError(option, expected, value);
}

/**
 * The longest delay a timer can hold: `setTimeout` fires after 1 ms for anything above
 * 2^31 - 1 ms (about 24.8 days), so a longer duration would silently become a busy loop.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Validates a duration in milliseconds: a finite number from `min` (default 0) up to
 * {@link MAX_TIMER_MS}, or `Infinity` when `allowInfinity` is set (meaning "never").
 */
export function duration(
  option: string,
  value: unknown,
  bounds: { min?: number; allowInfinity?: boolean } = {},
): number {
  const allowInfinity = bounds.allowInfinity === true;
  const ms = number(option, value, { min: bounds.min ?? 0, allowInfinity });
  if (ms > MAX_TIMER_MS && !(allowInfinity && ms === Number.POSITIVE_INFINITY)) {
    const expected = `a duration in ms from ${bounds.min ?? 0} to ${MAX_TIMER_MS}${allowInfinity ? ' or Infinity' : ''}`;
    rangeError(option, expected, value);
  }
  return ms;
}

/** Validates a function option. */
export function func<F extends (...args: never[]) => unknown>(option: string, value: unknown): F {
  if (typeof value !== 'function') typeError(option, 'a function', value);
  return value as F;
}

/** Validates a boolean option. */
export function boolean(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') typeError(option, 'a boolean', value);
  return value;
}

/** Validates a string option. */
export function string(option: string, value: unknown, { nonEmpty = false } = {}): string {
  if (typeof value !== 'string')
    typeError(option, nonEmpty ? 'a non-empty string' : 'a string', value);
  if (nonEmpty && value.length === 0) rangeError(option, 'a non-empty string', value);
  return value;
}

/** Validates that a string option is one of the allowed values. */
export function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  const expected = `one of ${allowed.map((a) => `'${a}'`).join(', ')}`;
  if (typeof value !== 'string') typeError(option, expected, value);
  if (!(allowed as readonly string[]).includes(value)) rangeError(option, expected, value);
  return value as T;
}

/** Validates an `AbortSignal` option. */
export function signal(option: string, value: unknown): AbortSignal {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as AbortSignal).aborted !== 'boolean' ||
    typeof (value as AbortSignal).addEventListener !== 'function'
  ) {
    typeError(option, 'an AbortSignal', value);
  }
  return value as AbortSignal;
}

/** Validates a plain options object (not null, not an array). */
export function object<T extends object>(option: string, value: unknown): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    typeError(option, 'an options object', value);
  }
  return value as T;
}

/** Validates a `Clock` option: an object with `now()` and `sleep()`. */
export function clock<
  C extends { now(): number; sleep(ms: number, signal?: AbortSignal): Promise<void> },
>(option: string, value: unknown): C {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as C).now !== 'function' ||
    typeof (value as C).sleep !== 'function'
  ) {
    typeError(option, 'a clock with now() and sleep()', value);
  }
  return value as C;
}

/**
 * Runs `check` only when the option is present (not `undefined`), returning the fallback
 * otherwise. Keeps factories to one line per option.
 */
export function optional<T>(value: unknown, fallback: T, check: (value: unknown) => T): T {
  return value === undefined ? fallback : check(value);
}
