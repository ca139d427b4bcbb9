/**
 * The record `backpressure-kit solve` writes for each task: one JSON line in the results file.
 * This file holds the shape and its conversions only (no I/O), so other commands can share it.
 */

import type { SolveResult } from '../solver/solve-stage.js';
import type { SolverErrorKind } from '../solver/solver-error.js';
import type { DropReason } from '../stages/shed.js';

/** A task id as the results file holds it: the task's own `id`, or its line number. */
export type TaskId = string | number;

/**
 * One line of the results file. `solved` carries the `token`; `failed` the error's `kind`, its
 * stable `code`, the provider's answer (`providerCode`) and a `reason`; `dropped` (only with
 * `--shed`) the drop `reason` (`full` or `evicted`). Never the key, never the task's body.
 */
export interface SolveRecord {
  readonly id: TaskId;
  readonly status: 'solved' | 'failed' | 'dropped';
  readonly token?: string;
  readonly kind?: SolverErrorKind;
  readonly code?: string;
  readonly providerCode?: string;
  readonly reason?: string;
  /** The stage record's `attempts`: the task's `solve()` calls, one submit each (0 when dropped). */
  readonly attempts: number;
  /** Milliseconds from the task entering the solver stage (or the queue, when dropped) to its record. */
  readonly elapsedMs: number;
}

/** Ids of the tasks a line of the rejects file is about, with where and why. */
export interface RejectRecord {
  readonly file: string;
  readonly line: number;
  readonly id?: TaskId;
  readonly reason: string;
}

const round = (ms: number): number => Math.round(ms);

/**
 * The record of one `solveStage` result, `elapsedMs` after the task entered the stage.
 *
 * @example
 * ```ts
 * toSolveRecord('t1', result, 1234); // { id: 't1', status: 'solved', token: '…', attempts: 1, elapsedMs: 1234 }
 * ```
 */
export function toSolveRecord(id: TaskId, result: SolveResult, elapsedMs: number): SolveRecord {
  if (result.status === 'solved') {
    return {
      id,
      status: 'solved',
      token: result.token,
      attempts: result.attempts,
      elapsedMs: round(elapsedMs),
    };
  }
  const { reason } = result;
  return {
    id,
    status: 'failed',
    kind: result.kind,
    code: reason.code,
    ...(reason.providerCode === undefined ? {} : { providerCode: reason.providerCode }),
    reason: reason.message,
    attempts: result.attempts,
    elapsedMs: round(elapsedMs),
  };
}

/**
 * The record of a task `shed` dropped.
 *
 * @example
 * ```ts
 * droppedRecord(7, 'full', 3); // { id: 7, status: 'dropped', reason: 'full', attempts: 0, elapsedMs: 3 }
 * ```
 */
export function droppedRecord(
  id: TaskId,
  reason: Exclude<DropReason, 'discarded'>,
  elapsedMs: number,
): SolveRecord {
  return { id, status: 'dropped', reason, attempts: 0, elapsedMs: round(elapsedMs) };
}
