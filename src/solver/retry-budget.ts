import { fullJitterBackoff } from '../retry/full-jitter.js';
import { isSolverError } from './solver-error.js';

/**
 * The per-kind budgets of `solveStage`, the one place that decides whether a failed
 * `solve()` call of a task is tried again. Each kind has its own budget per task, spent over
 * the task's whole life in the stage:
 *
 * | kind | budget | what happens |
 * |---|---|---|
 * | `transient` | `retries` | the stage calls `solve()` again after a full-jitter backoff (at least the error's `retryAfter`) |
 * | `unsolvable` | `resubmitUnsolvable` | the stage calls `solve()` again at once (a new task for the service) |
 * | `overload`, `rate-limited` | `overloadRetries` | not here: the error goes to `adaptiveMap` as a drop, which backs the limit off and retries the task with its own budget |
 * | breaker open | none | not a failure of the task: the call waits for the breaker (see `awaitBreaker`) |
 * | anything else | - | the task gets its failed record |
 */
export interface RetryBudget {
  /** Retries after a `transient` failure, per task. */
  readonly retries: number;
  /** Resubmits after an `unsolvable` answer, per task. */
  readonly resubmitUnsolvable: number;
  /** Base of the transient backoff, in ms. */
  readonly retryDelay: number;
  /** Cap of the transient backoff, in ms (a `retryAfter` may ask for longer). */
  readonly maxRetryDelay: number;
  /** Random numbers in [0, 1) for the backoff's jitter. */
  readonly random: () => number;
}

/** What one task has spent of its budgets so far. */
export interface BudgetSpent {
  /** Transient retries made. */
  retries: number;
  /** Unsolvable resubmits made. */
  resubmits: number;
}

/** The decision to call `solve()` again: which budget it spends and how long to wait first. */
export interface NextAttempt {
  /** The budget spent (and the stage counter to bump). */
  readonly spends: keyof BudgetSpent;
  /** Milliseconds to wait before the call. */
  readonly delay: number;
}

function retryAfterOf(error: { retryAfter?: number | undefined }): number {
  const value = error.retryAfter;
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Decides what follows a failed call of a task that has spent `spent`: another call (and
 * which budget it spends), or `undefined` when the error leaves the task's loop (overload to
 * the concurrency limit's drop handling, everything else to a failed record or a stopped run).
 * Pure: the caller records the spending.
 */
export function nextAttempt(
  error: unknown,
  spent: Readonly<BudgetSpent>,
  budget: RetryBudget,
): NextAttempt | undefined {
  if (isSolverError(error, 'transient') && spent.retries < budget.retries) {
    const backoff = fullJitterBackoff.delay({
      attempt: spent.retries + 1,
      previousDelay: budget.retryDelay,
      initialDelay: budget.retryDelay,
      maxDelay: budget.maxRetryDelay,
      random: budget.random,
    });
    return { spends: 'retries', delay: Math.max(backoff, retryAfterOf(error)) };
  }
  if (isSolverError(error, 'unsolvable') && spent.resubmits < budget.resubmitUnsolvable)
    return { spends: 'resubmits', delay: 0 };
  return undefined;
}
