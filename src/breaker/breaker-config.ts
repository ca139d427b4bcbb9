import { InvalidOptionValueError, isAbortError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import * as validate from '../internal/validate.js';
import type {
  BreakerSnapshot,
  BreakerWindow,
  CircuitBreakerOptions,
  FailureClass,
  HalfOpenOptions,
  ResetBackoffOptions,
} from './breaker-types.js';

/** The validated, defaulted options of a breaker. */
export interface BreakerConfig {
  readonly failureThreshold: number | undefined;
  readonly window: Required<BreakerWindow> | undefined;
  readonly failureRate: number;
  readonly minimumCalls: number;
  readonly slowCallMs: number;
  readonly slowCallRate: number;
  readonly resetTimeout: number;
  readonly resetBackoff: Required<ResetBackoffOptions> | undefined;
  readonly trials: number;
  readonly concurrency: number;
  readonly deadlineMs: number;
  readonly isFailure: (error: unknown) => FailureClass;
  readonly initialState: BreakerSnapshot | undefined;
  readonly clock: Clock;
  readonly random: () => number;
}

/** Default classification: every error is a failure, except aborts (the caller gave up). */
export function defaultIsFailure(error: unknown): FailureClass {
  return !isAbortError(error);
}

function fraction(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = validate.number(option, value, { min: 0, max: 1 });
  if (n === 0) {
    throw new InvalidOptionValueError({
      option,
      expected: 'a number above 0 and up to 1',
      received: n,
    });
  }
  return n;
}

/** Validates every option of {@link circuitBreaker} at once, naming the dotted option on error. */
export function parseBreakerOptions(options: unknown): BreakerConfig {
  const opts = validate.object<CircuitBreakerOptions>(
    'options',
    options === undefined ? {} : options,
  );
  const window = validate.optional(opts.window, undefined, (v): Required<BreakerWindow> => {
    const w = validate.object<BreakerWindow>('window', v);
    const kind = validate.oneOf('window.kind', w.kind, ['count', 'time'] as const);
    const size = validate.integer('window.size', w.size, { min: 1 });
    // A time window's size is a duration in ms: it must fit a timer like every other one.
    if (kind === 'time') validate.duration('window.size', size, { min: 1 });
    const buckets =
      kind === 'time'
        ? validate.optional(w.buckets, Math.min(10, size), (b) =>
            validate.integer('window.buckets', b, { min: 1, max: size }),
          )
        : 1;
    return { kind, size, buckets };
  });
  const failureThreshold =
    opts.failureThreshold === undefined
      ? window
        ? undefined
        : 5
      : validate.integer('failureThreshold', opts.failureThreshold, { min: 1 });
  const minimumCalls = validate.optional(
    opts.minimumCalls,
    window ? (window.kind === 'count' ? window.size : 10) : 1,
    (v) =>
      validate.integer('minimumCalls', v, {
        min: 1,
        ...(window?.kind === 'count' ? { max: window.size } : {}),
      }),
  );
  const resetTimeout = validate.optional(opts.resetTimeout, 30_000, (v) =>
    validate.duration('resetTimeout', v),
  );
  const resetBackoff = validate.optional(
    opts.resetBackoff,
    undefined,
    (v): Required<ResetBackoffOptions> => {
      const b = validate.object<ResetBackoffOptions>('resetBackoff', v);
      return {
        multiplier: validate.optional(b.multiplier, 2, (m) =>
          validate.number('resetBackoff.multiplier', m, { min: 1 }),
        ),
        maxTimeout: validate.optional(b.maxTimeout, resetTimeout * 10, (m) =>
          validate.duration('resetBackoff.maxTimeout', m, { min: resetTimeout }),
        ),
        jitter: validate.optional(b.jitter, 0.2, (j) =>
          validate.number('resetBackoff.jitter', j, { min: 0, max: 1 }),
        ),
      };
    },
  );
  const halfOpen = validate.optional<HalfOpenOptions>(opts.halfOpen, {}, (v) =>
    validate.object<HalfOpenOptions>('halfOpen', v),
  );
  const concurrencyGiven = validate.optional(halfOpen.concurrency, undefined, (v) =>
    validate.integer('halfOpen.concurrency', v, { min: 1 }),
  );
  const trials = validate.optional(halfOpen.trials, concurrencyGiven ?? 1, (v) =>
    validate.integer('halfOpen.trials', v, { min: 1 }),
  );
  const concurrency =
    concurrencyGiven === undefined
      ? 1
      : validate.integer('halfOpen.concurrency', concurrencyGiven, { min: 1, max: trials });
  const deadlineMs = validate.optional(halfOpen.deadlineMs, 60_000, (v) =>
    validate.duration('halfOpen.deadlineMs', v, { min: 1 }),
  );
  return {
    failureThreshold,
    window,
    failureRate: fraction('failureRate', opts.failureRate, 0.5),
    minimumCalls,
    slowCallMs: validate.optional(opts.slowCallMs, Number.POSITIVE_INFINITY, (v) =>
      validate.number('slowCallMs', v, { min: 0, allowInfinity: true }),
    ),
    slowCallRate: fraction('slowCallRate', opts.slowCallRate, 1),
    resetTimeout,
    resetBackoff,
    trials,
    concurrency,
    deadlineMs,
    isFailure: validate.optional(opts.isFailure, defaultIsFailure, (v) =>
      validate.func<(error: unknown) => FailureClass>('isFailure', v),
    ),
    initialState: validate.optional(opts.initialState, undefined, parseSnapshot),
    clock: validate.optional(opts.clock, systemClock, (v) => validate.clock<Clock>('clock', v)),
    random: validate.optional(opts.random, Math.random, (v) =>
      validate.func<() => number>('random', v),
    ),
  };
}

function parseSnapshot(value: unknown): BreakerSnapshot {
  const s = validate.object<BreakerSnapshot>('initialState', value);
  const snapshot: BreakerSnapshot = {
    state: validate.oneOf('initialState.state', s.state, ['closed', 'open', 'isolated'] as const),
    remainingMs: validate.duration('initialState.remainingMs', s.remainingMs),
    opens: validate.integer('initialState.opens', s.opens, { min: 0 }),
  };
  if (s.savedAt !== undefined)
    snapshot.savedAt = validate.number('initialState.savedAt', s.savedAt);
  return snapshot;
}
