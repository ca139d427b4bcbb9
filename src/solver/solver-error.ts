import { BackpressureError } from '../errors.js';

/**
 * What an answer from the solver service means for the caller, whatever the provider calls it.
 *
 * | kind | meaning | what to do |
 * |---|---|---|
 * | `not-ready` | the task is still being solved | poll again after `pollInterval` |
 * | `overload` | no free thread or slot right now | lower concurrency, retry after `retryAfter` |
 * | `rate-limited` | the account or IP is temporarily blocked | pause everything for `retryAfter` |
 * | `transient` | network failure, timeout, 5xx, HTML page, empty or malformed body | retry with backoff |
 * | `fatal-account` | wrong key, no funds (2captcha), IP not allowed | stop submitting at once |
 * | `fatal-item` | this task is bad (parameters, image, expired id) | do not repeat it |
 * | `unsolvable` | the service (or our deadline) gave up on this task | resubmit a bounded number of times |
 */
export type SolverErrorKind =
  | 'not-ready'
  | 'overload'
  | 'rate-limited'
  | 'transient'
  | 'fatal-account'
  | 'fatal-item'
  | 'unsolvable';

/** Every kind, in a stable order (for tables and property tests). */
export const solverErrorKinds: readonly SolverErrorKind[] = [
  'not-ready',
  'overload',
  'rate-limited',
  'transient',
  'fatal-account',
  'fatal-item',
  'unsolvable',
];

/** The stable `code` of a {@link SolverError}: one per kind plus the solver's own conditions. */
export type SolverErrorCode =
  | 'ERR_BPK_SOLVER_NOT_READY'
  | 'ERR_BPK_SOLVER_OVERLOAD'
  | 'ERR_BPK_SOLVER_RATE_LIMITED'
  | 'ERR_BPK_SOLVER_TRANSIENT'
  | 'ERR_BPK_SOLVER_FATAL_ACCOUNT'
  | 'ERR_BPK_SOLVER_FATAL_ITEM'
  | 'ERR_BPK_SOLVER_UNSOLVABLE'
  | 'ERR_BPK_SOLVER_INVALID_TASK'
  | 'ERR_BPK_SOLVER_DEADLINE';

const codeByKind: Record<SolverErrorKind, SolverErrorCode> = {
  'not-ready': 'ERR_BPK_SOLVER_NOT_READY',
  overload: 'ERR_BPK_SOLVER_OVERLOAD',
  'rate-limited': 'ERR_BPK_SOLVER_RATE_LIMITED',
  transient: 'ERR_BPK_SOLVER_TRANSIENT',
  'fatal-account': 'ERR_BPK_SOLVER_FATAL_ACCOUNT',
  'fatal-item': 'ERR_BPK_SOLVER_FATAL_ITEM',
  unsolvable: 'ERR_BPK_SOLVER_UNSOLVABLE',
};

/** Which protocol step produced an error. */
export type SolverPhase = 'submit' | 'poll' | 'balance' | 'report';

/** Details of a {@link SolverError}; everything but `kind` and `message` is optional. */
export interface SolverErrorDetails {
  /** What to do about it. */
  readonly kind: SolverErrorKind;
  /** The error message; never the API key or a response body. */
  readonly message: string;
  /** Overrides the kind's default code (e.g. `ERR_BPK_SOLVER_DEADLINE`). */
  readonly code?: SolverErrorCode;
  /** The provider's own code, e.g. `ERROR_ZERO_BALANCE` or `ERROR: 1005`. */
  readonly providerCode?: string | undefined;
  /** Milliseconds to wait before trying again, where the protocol implies one. */
  readonly retryAfter?: number | undefined;
  /** HTTP status of the answer, when there was one. */
  readonly status?: number | undefined;
  /** The protocol step that failed. */
  readonly phase?: SolverPhase | undefined;
  /** The provider's task id, once the task was accepted. */
  readonly taskId?: string | undefined;
  /** The underlying error (a network error, a parse error). */
  readonly cause?: unknown;
}

/**
 * An answer from (or a failure to reach) the solver service, classified. `kind` says what to do
 * about it (see {@link SolverErrorKind}); `code` is stable (`ERR_BPK_SOLVER_…`); `providerCode`
 * is the provider's code verbatim. Never carries the API key or a response body: an HTML page
 * is described by its status, type and length only.
 *
 * @example
 * ```ts
 * try { await solver.solve(task); }
 * catch (error) {
 *   if (error instanceof SolverError && error.kind === 'overload') await sleep(error.retryAfter ?? 5_000);
 * }
 * ```
 */
export class SolverError extends BackpressureError {
  declare readonly code: SolverErrorCode;
  /** What to do about it (see {@link SolverErrorKind}). */
  readonly kind: SolverErrorKind;
  /** The provider's own code verbatim, e.g. `ERROR_ZERO_BALANCE`. */
  readonly providerCode: string | undefined;
  /** Milliseconds to wait before trying again, where the protocol implies one. */
  readonly retryAfter: number | undefined;
  /** HTTP status of the answer, when there was one. */
  readonly status: number | undefined;
  /** The protocol step that failed. */
  readonly phase: SolverPhase | undefined;
  /** The provider's task id, once the task was accepted. */
  readonly taskId: string | undefined;

  constructor(details: SolverErrorDetails) {
    super(
      details.code ?? codeByKind[details.kind],
      details.message,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.name = 'SolverError';
    this.kind = details.kind;
    this.providerCode = details.providerCode;
    this.retryAfter = details.retryAfter;
    this.status = details.status;
    this.phase = details.phase;
    this.taskId = details.taskId;
  }
}

/**
 * True when `error` is a {@link SolverError}, optionally of one of the given kinds.
 *
 * @example
 * ```ts
 * if (isSolverError(error, 'overload', 'rate-limited')) await sleep(error.retryAfter ?? 5_000);
 * ```
 */
export function isSolverError(error: unknown, ...kinds: SolverErrorKind[]): error is SolverError {
  return error instanceof SolverError && (kinds.length === 0 || kinds.includes(error.kind));
}
