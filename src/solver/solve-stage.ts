import { setMaxListeners } from 'node:events';
import type { CircuitBreaker, CircuitBreakerOptions } from '../breaker/breaker-types.js';
import { circuitBreaker } from '../breaker/circuit-breaker.js';
import { isCircuitBreaker } from '../breaker/is-circuit-breaker.js';
import { hasErrorCode, isAbortError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import { checkSource, readSource } from '../internal/source.js';
import * as v from '../internal/validate.js';
import type { LimitAlgorithm } from '../limit/limit-algorithm.js';
import { parseStageLimit } from '../limit/stage-limit-options.js';
import { isRateLimiter } from '../rate/is-rate-limiter.js';
import { type RateLimiter, type RateLimiterOptions, rateLimiter } from '../rate/rate-limiter.js';
import type { Source, Stage, StageContext } from '../stage.js';
import { adaptiveMap } from '../stages/adaptive-map.js';
import type { AdaptiveMapCallContext } from '../stages/adaptive-map-types.js';
import { breakerGate } from '../stages/breaker-gate.js';
import { ItemFailedError } from '../stages/item-failed-error.js';
import { awaitBreaker } from './await-breaker.js';
import type { Solution, Solver } from './create-solver.js';
import { type BudgetSpent, nextAttempt, type RetryBudget } from './retry-budget.js';
import { SolveRunError } from './solve-run-error.js';
import {
  isSolverError,
  SolverError,
  type SolverErrorCode,
  type SolverErrorKind,
} from './solver-error.js';
import { solverFailureClass } from './solver-failure-class.js';
import type { Task } from './task.js';

/**
 * A task the stage solved: the token is yielded the moment it arrives. `id` is the provider's
 * captcha id (your own id is `task.id`).
 */
export interface SolvedRecord<T extends Task = Task> extends Solution {
  /** Solved: `token` holds the answer. */
  readonly status: 'solved';
  /** The task, as it came from the source. */
  readonly task: T;
  /**
   * The task's `solve()` calls: 1, plus its transient retries, unsolvable resubmits and
   * overload retries (each within its own per-task budget; waits for the breaker or a rate
   * token are not calls). The stage asks each call for a single submit (`submitRetries: 0`),
   * so with `createSolver` it is also the task's `in.php` requests.
   */
  readonly attempts: number;
  /**
   * Milliseconds on the stage's clock from the stage starting this task (its first rate-limit
   * wait) to this record, retries and waits included. The successful call's own time is not
   * kept separately: with one attempt the two differ only by the rate-limit wait.
   */
  readonly elapsedMs: number;
}

/** A task the stage gave up on, with the reason. The run goes on. */
export interface FailedRecord<T extends Task = Task> {
  /** Failed: `reason` says why. */
  readonly status: 'failed';
  /** The task, as it came from the source. */
  readonly task: T;
  /** The last error: a classified `SolverError` (`InvalidTaskError`, `SolverTimeoutError`, …). */
  readonly reason: SolverError;
  /** `reason.kind`, for quick filtering. */
  readonly kind: SolverErrorKind;
  /** `reason.code` (`ERR_BPK_SOLVER_…`), for quick filtering. */
  readonly code: SolverErrorCode;
  /** Calls to `solver.solve` for this task (see {@link SolvedRecord.attempts}). */
  readonly attempts: number;
  /** Milliseconds on the stage's clock from the stage starting this task to this record (0 if never started). */
  readonly elapsedMs: number;
}

/** What {@link solveStage} yields: exactly one record per task. */
export type SolveResult<T extends Task = Task> = SolvedRecord<T> | FailedRecord<T>;

/** Options of {@link solveStage}. */
export interface SolveStageOptions {
  /** Most tasks in flight at once: set it to the account's threads. An integer from `min` up. @default 50 */
  max?: number;
  /** Fewest tasks in flight the limit may fall to. @default 1 */
  min?: number;
  /** Starting concurrency. @default min(max, max(min, 4)) */
  initial?: number;
  /**
   * How the concurrency limit moves within `[min, max]`: `kneeLimit()`, `aimdLimit()`,
   * `fixedLimit(n)` or your own `LimitAlgorithm`, as for `adaptiveMap`.
   * @default kneeLimit() (fixedLimit(min) when `min === max`)
   */
  algorithm?: LimitAlgorithm;
  /**
   * The former name of `algorithm` (it is an algorithm, not a limit). Giving both with
   * different values throws an `InvalidOptionValueError`.
   * @deprecated Use `algorithm`.
   */
  limit?: LimitAlgorithm;
  /**
   * A breaker (shared with other code) or options for a new one. New ones default to
   * `{ failureThreshold: 5, resetTimeout: 30_000, halfOpen: { deadlineMs: 300_000 },
   * isFailure: solverFailureClass }`; give your own breaker `isFailure: solverFailureClass`.
   */
  breaker?: CircuitBreaker | CircuitBreakerOptions;
  /**
   * Token bucket on submits (each submit takes a token, resubmits and retries included), a
   * shared `rateLimiter`, or `false` for none. @default { rate: 10, interval: 1000, burst: 5 }
   * (2captcha bans more than 60 submits in 3 s)
   */
  rateLimit?: RateLimiterOptions | RateLimiter | false;
  /** Resubmits of a task answered `unsolvable` (or past the solver's deadline while "not ready"), per task. An integer from 0. @default 2 */
  resubmitUnsolvable?: number;
  /** Retries of a task's submit that failed `transient` (network, 5xx, HTML…), per task (overload retries and resubmits do not refill it). An integer from 0. @default 3 */
  retries?: number;
  /** Retries of a task answered `overload` or `rate-limited` before it fails, per task (kept by the concurrency limit's drop handling). An integer from 0, or Infinity. @default 20 */
  overloadRetries?: number;
  /** Base of the jittered backoff before a transient or overload retry, in ms (a `retryAfter` may ask for longer); half of it, jittered, is the least wait after a breaker refusal. @default 1000 */
  retryDelay?: number;
  /** Cap of that backoff, in ms. @default 30 000 */
  maxRetryDelay?: number;
  /** Aborts every run of the stage. */
  signal?: AbortSignal;
  /** Clock for backoff, pauses, the breaker and the rate limit. @default systemClock */
  clock?: Clock;
  /** Random numbers in [0, 1) for jitter. @default Math.random */
  random?: () => number;
}

/** Counters of a {@link solveStage}, over all its runs. */
export interface SolveStageStats {
  /** The concurrency limit now. */
  readonly limit: number;
  /** Tasks being solved now. */
  readonly inFlight: number;
  /** `solve()` calls over all tasks: the sum of the records' `attempts`. */
  readonly submits: number;
  /** `solve()` calls made again after a `transient` failure (at most `retries` per task). */
  readonly retries: number;
  /** `solve()` calls made again after an `unsolvable` answer (at most `resubmitUnsolvable` per task). */
  readonly resubmits: number;
  /** `overload` / `rate-limited` answers, each a drop for the concurrency limit (retried at most `overloadRetries` times per task). */
  readonly overloads: number;
  /** Tasks yielded as solved records. */
  readonly solved: number;
  /** Tasks yielded as failed records. */
  readonly failed: number;
  /** Failed records by kind. */
  readonly failedByKind: Readonly<Partial<Record<SolverErrorKind, number>>>;
  /** The breaker's state. */
  readonly breaker: CircuitBreaker['state'];
}

/** The stage {@link solveStage} returns. */
export interface SolveStage<T extends Task = Task> extends Stage<T, SolveResult<T>> {
  (source: Source<T>, context?: StageContext): AsyncIterableIterator<SolveResult<T>>;
  /** The breaker the stage gates on (reset it after fixing a fatal account problem). */
  readonly breaker: CircuitBreaker;
  /** Counters of every run of this stage so far. */
  stats(): SolveStageStats;
  /** Calls `listener(limit, previous)` when the concurrency limit changes; returns a disposer. */
  onLimitChange(listener: (limit: number, previous: number) => void): () => void;
}

/** A task in the stage, with what it spent of its retry budgets (kept across overload retries). */
interface Entry<T> extends BudgetSpent {
  readonly task: T;
  /** `solve()` calls made for the task. */
  attempts: number;
  /** Clock time the stage started on the task (its first submit), once it has. */
  startedAt: number | undefined;
}

/** Longest part of a foreign error's message kept in a failed record's reason. */
const maxForeignMessage = 200;

/**
 * A failed record's reason for something `solve()` threw that is not a `SolverError` (a
 * custom solver's bug, a `URIError`…): kind `fatal-item`, so that one task fails and the run
 * goes on. The message keeps the error's name and a short, single-line part of its message.
 */
function foreignFailure(error: unknown): SolverError {
  const name =
    error instanceof Error && /^[\w$]{1,60}$/.test(error.name) ? error.name : typeof error;
  const raw = error instanceof Error ? error.message : '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it strips
  const text = raw.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, maxForeignMessage);
  return new SolverError({
    kind: 'fatal-item',
    message: `solve() threw ${name}${text === '' ? '' : `: ${text}`}${raw.length > maxForeignMessage ? '…' : ''}`,
    cause: error,
  });
}

/** Errors after which the run cannot go on: an abort, a closed solver, an isolated breaker. */
function stopsTheRun(error: unknown): boolean {
  return (
    isAbortError(error) ||
    hasErrorCode(error, 'ERR_BPK_SOLVER_CLOSED') ||
    hasErrorCode(error, 'ERR_BPK_CIRCUIT_ISOLATED')
  );
}

/** The error behind the `ItemFailedError` `adaptiveMap` wraps around a task's failure. */
function unwrap(error: unknown): unknown {
  return error instanceof ItemFailedError ? error.cause : error;
}

/**
 * The production pipeline in one stage: a rate limit on submits, a circuit-breaker gate, and
 * an `adaptiveMap` whose classification follows the solver's error kinds:
 *
 * | kind | what the stage does (budgets are per task, never refilled) |
 * |---|---|
 * | `overload` | congestion signal: the concurrency limit backs off; the task is retried (`overloadRetries`) |
 * | `rate-limited` | the same, and every submit pauses for the answer's `retryAfter` |
 * | `transient` (or past the deadline, service unreachable) | the submit is retried with jittered backoff (`retries`); counts toward opening the breaker |
 * | `unsolvable` (or past the deadline, "not ready" to the end) | resubmitted up to `resubmitUnsolvable` times, then a failed record |
 * | breaker refusal (open, half-open and full) | the call waits for the breaker (no budget spent, no request) |
 * | `fatal-item` (bad task, expired id, anything not a `SolverError`) | a failed record at once; the run goes on |
 * | `fatal-account` (wrong key, no funds on 2captcha) | the breaker isolates, the run throws a `SolveRunError` |
 *
 * Every task yields exactly one record, `{ status: 'solved', token, … }` or
 * `{ status: 'failed', reason, kind, code, … }`, in completion order, the moment it is ready (tokens
 * expire in about two minutes). When the run stops early (`SolveRunError`: fatal account,
 * closed solver, isolated breaker) the error lists the tasks without a
 * record in `unfinished`. Anything else `solve()` throws for one task (even an error that is
 * not a `SolverError`) becomes that task's failed record, kind `fatal-item`, and the run goes
 * on. A transient failure of a submit whose answer was lost is retried as a new submit: the
 * first task may still be solved (and charged) by the service. The stage calls `solve()` with
 * `submitRetries: 0` and decides every repeat itself, in one place (`nextAttempt`), so every
 * submit takes a rate token and every failure reaches the breaker; `attempts` then counts
 * submits (see the counts table in `docs/solver.md`).
 *
 * Early exit (`break`) and abort (`options.signal` or the `pipeline()` signal) stop pulling,
 * abort every solve in flight, return the source and leave no timer; on abort the consumer
 * gets an `AbortError`. The source's own error reaches the consumer unchanged.
 *
 * @throws `TypeError` / `RangeError` at once for a bad option, or for one set twice to
 * different values (`algorithm` and its deprecated name `limit`; `max: 4` with
 * `algorithm: kneeLimit({ max: 3 })`).
 * @example
 * ```ts
 * const solver = createSolver({ apiKey: process.env.CAPTCHAAI_KEY! });
 * const solve = solveStage(solver, { max: 50 });
 * for await (const result of solve(tasks)) {
 *   if (result.status === 'solved') await submitForm(result.task, result.token);
 *   else console.warn(result.task.id, result.kind, result.reason.message);
 * }
 * ```
 */
export function solveStage<T extends Task = Task>(
  solver: Solver,
  options: SolveStageOptions = {},
): SolveStage<T> {
  if (typeof solver !== 'object' || solver === null || typeof solver.solve !== 'function')
    v.func('solver.solve', undefined);
  const opts = v.object<SolveStageOptions>('options', options);
  const clock = v.optional(opts.clock, systemClock, (x) => v.clock<Clock>('clock', x));
  const random = v.optional(opts.random, Math.random, (x) => v.func<() => number>('random', x));
  const signal = v.optional(opts.signal, undefined, (x) => v.signal('signal', x));
  const { algorithm, bounds } = parseStageLimit(opts, 50);
  const resubmitUnsolvable = v.optional(opts.resubmitUnsolvable, 2, (x) =>
    v.integer('resubmitUnsolvable', x, { min: 0 }),
  );
  const retries = v.optional(opts.retries, 3, (x) => v.integer('retries', x, { min: 0 }));
  const overloadRetries = v.optional(opts.overloadRetries, 20, (x) =>
    v.integer('overloadRetries', x, { min: 0, allowInfinity: true }),
  );
  const retryDelay = v.optional(opts.retryDelay, 1_000, (x) => v.duration('retryDelay', x));
  const maxRetryDelay = v.optional(opts.maxRetryDelay, Math.max(30_000, retryDelay), (x) =>
    v.duration('maxRetryDelay', x, { min: retryDelay }),
  );
  const breaker = isCircuitBreaker(opts.breaker)
    ? opts.breaker
    : circuitBreaker({
        failureThreshold: 5,
        resetTimeout: 30_000,
        clock,
        random,
        isFailure: solverFailureClass,
        ...v.optional(opts.breaker, {}, (x) => v.object<CircuitBreakerOptions>('breaker', x)),
        halfOpen: { deadlineMs: 300_000, ...opts.breaker?.halfOpen },
      });
  const limiterOptions =
    opts.rateLimit === undefined || opts.rateLimit === false || isRateLimiter(opts.rateLimit)
      ? undefined
      : v.object<RateLimiterOptions>('rateLimit', opts.rateLimit);
  const limiter =
    opts.rateLimit === false
      ? undefined
      : isRateLimiter(opts.rateLimit)
        ? opts.rateLimit
        : rateLimiter({ rate: 10, interval: 1_000, burst: 5, clock, ...limiterOptions });

  const counters = {
    submits: 0,
    retries: 0,
    resubmits: 0,
    overloads: 0,
    solved: 0,
    failed: 0,
    failedByKind: {} as Partial<Record<SolverErrorKind, number>>,
  };
  // A rate-limited answer pauses every submit of the stage until this clock time.
  let pausedUntil = Number.NEGATIVE_INFINITY;

  const budget: RetryBudget = Object.freeze({
    retries,
    resubmitUnsolvable,
    retryDelay,
    maxRetryDelay,
    random,
  });

  /** One `solve()` call for a task, admitted by the breaker (and the rate limit, if any). */
  const submit = (entry: Entry<T>, signal: AbortSignal): Promise<Solution> => {
    entry.attempts++;
    counters.submits++;
    // submitRetries 0: the stage retries itself, so each retry takes a rate token and the
    // breaker sees each failure (no retries multiplied inside the solver).
    return solver.solve(entry.task, { signal, submitRetries: 0 });
  };
  // What runs under the breaker: the submit, after a rate token when there is a limit. Plain
  // (not async) without one: an async wrapper would add a frame and a promise per call.
  const admitted = (entry: Entry<T>, callSignal: AbortSignal) =>
    limiter === undefined
      ? ({ signal }: { signal: AbortSignal | undefined }) => submit(entry, signal ?? callSignal)
      : async ({ signal }: { signal: AbortSignal | undefined }) => {
          await limiter.acquire({ signal: signal ?? callSignal });
          return submit(entry, signal ?? callSignal);
        };

  /**
   * A task's calls until one succeeds or its error leaves the loop. Each call first waits out
   * a rate-limited pause, then runs under the breaker. A breaker refusal (open, or half-open
   * with every trial slot taken) is no failure of the task: it waits for the breaker and
   * spends no budget. Every other failure goes through `nextAttempt`, the one place the
   * per-task budgets (`retries`, `resubmitUnsolvable`) are spent; an overload leaves as a drop
   * for `adaptiveMap`, which retries the task (calling this again, budgets kept on the entry)
   * within `overloadRetries`. One async function per task, not one per call: a task in flight
   * holds one frame (measured: fewer objects promoted to V8's old generation).
   */
  let lastRunSignal: AbortSignal | undefined;
  const solveEntry = async (entry: Entry<T>, context: AdaptiveMapCallContext) => {
    entry.startedAt ??= clock.now();
    // The run's shared signal, not a controller per call: every use below removes its
    // listener when done, and a task in flight holds less (measured: fewer objects promoted
    // to the old generation, so fewer full collections at thousands of solves a second).
    const signal = context.runSignal;
    if (signal !== lastRunSignal) {
      // Tasks in flight listen on it while they sleep (backoff, a rate-limited pause, waiting
      // for the breaker), and a custom solver may listen on it itself: no warning past ten.
      setMaxListeners(0, signal);
      lastRunSignal = signal;
    }
    const call = admitted(entry, signal);
    for (;;) {
      const pause = pausedUntil - clock.now();
      if (pause > 0) await clock.sleep(pause, signal);
      try {
        return await breaker.execute(call, { signal });
      } catch (error) {
        if (hasErrorCode(error, 'ERR_BPK_CIRCUIT_OPEN')) {
          const retryAfter = (error as { retryAfter?: number }).retryAfter ?? 0;
          const spread = retryDelay * (0.5 + random() / 2);
          await awaitBreaker(breaker, Math.max(retryAfter, spread), clock, signal);
          continue;
        }
        if (isSolverError(error, 'overload', 'rate-limited')) {
          counters.overloads++;
          if (error.kind === 'rate-limited' && error.retryAfter !== undefined)
            pausedUntil = Math.max(pausedUntil, clock.now() + error.retryAfter);
        }
        const next = nextAttempt(error, entry, budget);
        if (next === undefined) throw error;
        entry[next.spends]++;
        counters[next.spends]++;
        if (next.delay > 0) await clock.sleep(next.delay, signal);
      }
    }
  };

  const map = adaptiveMap(solveEntry, {
    ...bounds,
    algorithm,
    settle: true,
    classify: ({ error }) => {
      if (error === undefined) return 'success';
      if (isSolverError(error, 'overload', 'rate-limited')) return 'drop';
      return 'failure';
    },
    dropRetries: overloadRetries,
    retryDelayMs: retryDelay,
    retryMaxDelayMs: maxRetryDelay,
    random,
    clock,
    ...(signal === undefined ? {} : { signal }),
  });
  const gate = breakerGate<Entry<T>>(breaker, {
    whenIsolated: 'throw',
    ...(signal === undefined ? {} : { signal }),
  });

  const run = (
    source: Source<T>,
    context?: StageContext,
  ): AsyncIterableIterator<SolveResult<T>> => {
    return runStage(checkSource<T>('solveStage', source), context?.signal);
  };

  async function* runStage(
    source: Source<T>,
    runSignal: AbortSignal | undefined,
  ): AsyncGenerator<SolveResult<T>> {
    const open = new Set<Entry<T>>();
    let sourceError: { error: unknown } | undefined;
    async function* accept(): AsyncGenerator<Entry<T>> {
      try {
        for await (const task of readSource('solveStage', source)) {
          const entry: Entry<T> = {
            task,
            attempts: 0,
            retries: 0,
            resubmits: 0,
            startedAt: undefined,
          };
          open.add(entry);
          yield entry;
        }
      } catch (error) {
        sourceError = { error };
        throw error;
      }
    }
    const context = runSignal === undefined ? undefined : { signal: runSignal };
    const flow = map(gate(accept(), context), context);
    let stop: unknown;
    let stopped = false;
    try {
      for await (const record of flow) {
        const entry = record.item;
        open.delete(entry);
        const elapsedMs = entry.startedAt === undefined ? 0 : clock.now() - entry.startedAt;
        if (record.status === 'fulfilled') {
          counters.solved++;
          yield {
            status: 'solved',
            task: entry.task,
            attempts: entry.attempts,
            ...record.value,
            elapsedMs,
          };
          continue;
        }
        const cause = unwrap(record.reason);
        if (stopsTheRun(cause)) {
          open.add(entry);
          stop = cause;
          stopped = true;
          break;
        }
        // Anything else thrown for one task fails that task only.
        const reason = isSolverError(cause) ? cause : foreignFailure(cause);
        counters.failed++;
        counters.failedByKind[reason.kind] = (counters.failedByKind[reason.kind] ?? 0) + 1;
        yield {
          status: 'failed',
          task: entry.task,
          reason,
          kind: reason.kind,
          code: reason.code,
          attempts: entry.attempts,
          elapsedMs,
        };
        if (reason.kind === 'fatal-account') {
          stop = reason;
          stopped = true;
          break;
        }
      }
    } catch (error) {
      if (isAbortError(error) || (sourceError !== undefined && error === sourceError.error))
        throw error;
      stop = error;
      stopped = true;
    }
    if (stopped) {
      throw new SolveRunError(
        stop,
        [...open].map((e) => e.task),
      );
    }
  }

  return Object.assign(run, {
    breaker,
    onLimitChange: (listener: (limit: number, previous: number) => void) =>
      map.onLimitChange(listener),
    stats: (): SolveStageStats => {
      const m = map.stats();
      return {
        limit: m.limit,
        inFlight: m.inFlight,
        submits: counters.submits,
        retries: counters.retries,
        resubmits: counters.resubmits,
        overloads: counters.overloads,
        solved: counters.solved,
        failed: counters.failed,
        failedByKind: { ...counters.failedByKind },
        breaker: breaker.state,
      };
    },
  });
}
