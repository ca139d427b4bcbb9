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

/**
 * The stable code used for errors of a kind (see `docs/errors.md`).
 *
 * @example
 * ```ts
 * solverErrorCode('overload'); // 'ERR_BPK_SOLVER_OVERLOAD'
 * ```
 */
export function solverErrorCode(kind: SolverErrorKind): SolverErrorCode {
  return codeByKind[kind];
}

/** Which protocol step produced an error. */
export type SolverPhase = 'submit' | 'poll' | 'balance' | 'report';

/** Details of a {@link SolverError}; everything but `kind` and `message` is optional. */
export interface SolverErrorDetails {
  readonly kind: SolverErrorKind;
  readonly message: string;
  /** Overrides the kind's default code (e.g. `ERR_BPK_SOLVER_DEADLINE`). */
  readonly code?: SolverErrorCode;
  /** The provider's own code, e.g. `ERROR_ZERO_BALANCE` or `ERROR: 1005`. */
  readonly providerCode?: string | undefined;
  /** Milliseconds to wait before trying again, where the protocol implies one. */
  readonly retryAfter?: number | undefined;
  /** HTTP status of the answer, when there was one. */
  readonly status?: number | undefined;
  readonly phase?: SolverPhase | undefined;
  /** The provider's task id, once the task was accepted. */
  readonly taskId?: string | undefined;
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
  readonly kind: SolverErrorKind;
  readonly providerCode: string | undefined;
  readonly retryAfter: number | undefined;
  readonly status: number | undefined;
  readonly phase: SolverPhase | undefined;
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
 * A task object that cannot be sent: thrown by `solve()` (and `validateTask`) before any
 * request is made. `field` names the offending field; kind `fatal-item`.
 */
export class InvalidTaskError extends SolverError {
  /** The task field at fault, e.g. `sitekey` or `type`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super({ kind: 'fatal-item', code: 'ERR_BPK_SOLVER_INVALID_TASK', message });
    this.name = 'InvalidTaskError';
    this.field = field;
  }
}

/**
 * A task was not solved within the solver's overall `timeout`. The kind says why:
 *
 * - `transient` when the service could not be reached at the end (the last submit or poll
 *   failed transiently: network, timeout, 5xx…); `cause` is that last failure, and breakers
 *   count it like any transient failure;
 * - `unsolvable` when the service kept answering "not ready": like its own
 *   `ERROR_CAPTCHA_UNSOLVABLE`, the task may be resubmitted a bounded number of times.
 *
 * `code` is `ERR_BPK_SOLVER_DEADLINE` either way.
 */
export class SolverTimeoutError extends SolverError {
  /** The deadline that passed, in milliseconds. */
  readonly timeout: number;

  constructor(timeout: number, taskId: string | undefined, polls: number, cause?: unknown) {
    const unreachable = cause instanceof SolverError && cause.kind === 'transient';
    super({
      kind: unreachable ? 'transient' : 'unsolvable',
      code: 'ERR_BPK_SOLVER_DEADLINE',
      message: `No answer within the ${timeout} ms deadline${taskId === undefined ? '' : ` for task ${taskId}`} after ${polls} poll${polls === 1 ? '' : 's'}${unreachable ? ` (the service could not be reached: ${cause.message})` : ''}`,
      phase: taskId === undefined ? 'submit' : 'poll',
      taskId,
      cause,
    });
    this.name = 'SolverTimeoutError';
    this.timeout = timeout;
  }
}

/** `solve()`, `balance()` or `report()` was called on (or interrupted by) a closed solver. */
export class SolverClosedError extends BackpressureError {
  constructor() {
    super('ERR_BPK_SOLVER_CLOSED', 'The solver was closed');
    this.name = 'SolverClosedError';
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
