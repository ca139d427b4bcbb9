/**
 * One small error hierarchy with stable codes. Every error the toolkit throws on purpose
 * carries a `code` (`ERR_BPK_…`) that never changes between versions, a `name`, and a `cause`
 * where there is one. The table of codes lives in `docs/errors.md`.
 *
 * This file holds the base class, the option errors, `AbortedError` and the source errors
 * every stage shares; an error thrown by one part only lives in its own file next to that part
 * (e.g. `stages/priority-error.ts`), extending the base class from here.
 *
 * This file imports nothing, so every other module may import it without creating a cycle.
 */

/** Every stable error code the core can throw. */
export type BackpressureErrorCode =
  | 'ERR_BPK_INVALID_OPTION_TYPE'
  | 'ERR_BPK_INVALID_OPTION_VALUE'
  | 'ERR_BPK_ABORTED'
  | 'ERR_BPK_DROP_CALLBACK'
  | 'ERR_BPK_PRIORITY'
  | 'ERR_BPK_CIRCUIT_OPEN'
  | 'ERR_BPK_CIRCUIT_ISOLATED'
  | 'ERR_BPK_ITEM_FAILED'
  | 'ERR_BPK_RETRY_EXHAUSTED'
  | 'ERR_BPK_TIMEOUT'
  | 'ERR_BPK_INVALID_SOURCE'
  | 'ERR_BPK_INVALID_ITERATOR_RESULT'
  | (string & {});

/**
 * Base class of the toolkit's own errors (except option errors, which extend the built-in
 * `TypeError` and `RangeError` so that `instanceof TypeError` keeps working).
 */
export class BackpressureError extends Error {
  /** Stable machine-readable code, e.g. `ERR_BPK_ABORTED`. */
  readonly code: BackpressureErrorCode;

  constructor(code: BackpressureErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = 'BackpressureError';
  }
}

/** Describes a rejected option value for {@link InvalidOptionTypeError} and {@link InvalidOptionValueError}. */
export interface InvalidOptionDetails {
  /** Dotted path of the option, e.g. `highWaterMark` or `halfOpen.trials`. */
  readonly option: string;
  /** What was expected, in words, e.g. `an integer from 1 and up`. */
  readonly expected: string;
  /** The value that was received. */
  readonly received: unknown;
}

/** Renders a received value for an error message without dumping large objects. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    value === null ||
    value === undefined
  ) {
    return String(value);
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  if (Array.isArray(value)) return 'an array';
  return 'an object';
}

function optionMessage(details: InvalidOptionDetails): string {
  return `Expected \`${details.option}\` to be ${details.expected}, got ${describeValue(details.received)}`;
}

/**
 * Copies `details` onto a new option error. The two option error classes extend different
 * built-ins (`TypeError`, `RangeError`), so they share this instead of a base class.
 */
function setOptionDetails(
  error: { option: string; expected: string; received: unknown },
  details: InvalidOptionDetails,
): void {
  error.option = details.option;
  error.expected = details.expected;
  error.received = details.received;
}

/** An option of the wrong type, thrown when a factory is called. */
export class InvalidOptionTypeError extends TypeError implements InvalidOptionDetails {
  /** Always `ERR_BPK_INVALID_OPTION_TYPE`. */
  readonly code = 'ERR_BPK_INVALID_OPTION_TYPE' as const;
  readonly option!: string;
  readonly expected!: string;
  readonly received: unknown;

  constructor(details: InvalidOptionDetails) {
    super(optionMessage(details));
    this.name = 'InvalidOptionTypeError';
    setOptionDetails(this, details);
  }
}

/** An option of the right type but outside its allowed range, thrown when a factory is called. */
export class InvalidOptionValueError extends RangeError implements InvalidOptionDetails {
  /** Always `ERR_BPK_INVALID_OPTION_VALUE`. */
  readonly code = 'ERR_BPK_INVALID_OPTION_VALUE' as const;
  readonly option!: string;
  readonly expected!: string;
  readonly received: unknown;

  constructor(details: InvalidOptionDetails) {
    super(optionMessage(details));
    this.name = 'InvalidOptionValueError';
    setOptionDetails(this, details);
  }
}

/**
 * The operation stopped because its `AbortSignal` aborted. `name` is `AbortError`, as in the
 * platform, so code that checks `error.name === 'AbortError'` keeps working; `cause` is the
 * signal's `reason`.
 */
export class AbortedError extends BackpressureError {
  constructor(reason?: unknown) {
    super('ERR_BPK_ABORTED', 'The operation was aborted', { cause: reason });
    this.name = 'AbortError';
  }
}

/**
 * A stage was given something that is not a source: neither an async iterable nor an
 * iterable (for example `null`, a number, a plain object), or its iterator has no `next()`.
 * Thrown when the stage is called, before anything is pulled. A `TypeError`, so
 * `instanceof TypeError` keeps working.
 */
export class InvalidSourceError extends TypeError {
  /** Stable machine-readable code. */
  readonly code = 'ERR_BPK_INVALID_SOURCE' as const;
  /** The stage that was called, e.g. `boundedBuffer`. */
  readonly stage: string;
  /** What was passed as the source. */
  readonly received: unknown;

  constructor(stage: string, received: unknown, what = 'an iterable or async iterable') {
    super(`${stage}: expected the source to be ${what}, got ${describeValue(received)}`);
    this.name = 'InvalidSourceError';
    this.stage = stage;
    this.received = received;
  }
}

/**
 * A source's `next()` gave something that is not an iterator result (`null`, a number, a
 * string … instead of `{ done, value }`). The stage that read it returns its source, stops
 * pulling, and the consumer receives this error after the items received before it. A
 * `TypeError`, as the language's own `for await` would throw.
 */
export class InvalidIteratorResultError extends TypeError {
  /** Stable machine-readable code. */
  readonly code = 'ERR_BPK_INVALID_ITERATOR_RESULT' as const;
  /** The stage that read the result, e.g. `shed`. */
  readonly stage: string;
  /** What `next()` gave (or resolved to). */
  readonly received: unknown;

  constructor(stage: string, received: unknown) {
    super(
      `${stage}: the source's next() gave ${describeValue(received)}, not an iterator result object`,
    );
    this.name = 'InvalidIteratorResultError';
    this.stage = stage;
    this.received = received;
  }
}

/** True when `error` is a toolkit error with the given code (works across package copies). */
export function hasErrorCode(error: unknown, code: BackpressureErrorCode): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/**
 * True when `error` is an abort: ours (code `ERR_BPK_ABORTED`) or any error named
 * `AbortError`. A `TimeoutError` from `AbortSignal.timeout()` is deliberately not one: a call
 * that timed out should still count as a failure for a breaker and be retried by `retry`.
 */
export function isAbortError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name = (error as { name?: unknown }).name;
  return name === 'AbortError' || hasErrorCode(error, 'ERR_BPK_ABORTED');
}
