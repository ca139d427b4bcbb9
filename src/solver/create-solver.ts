import type { Dispatcher } from 'undici';
import { AbortedError, InvalidOptionValueError } from '../errors.js';
import * as v from '../internal/validate.js';
import { maxTaskIdLength, taskIdProblem } from './answer-checks.js';
import { Call } from './call.js';
import { interpretReply } from './interpret-reply.js';
import { Pool } from './pool.js';
import type { ProviderName } from './provider.js';
import { SolverClosedError } from './solver-closed-error.js';
import { parseSolverOptions, type SolverConfig } from './solver-config.js';
import { isSolverError, SolverError, type SolverPhase } from './solver-error.js';
import type { SolverOptions } from './solver-options.js';
import { SolverTimeoutError } from './solver-timeout-error.js';
import type { Task, TaskType } from './task.js';
import { taskParams } from './task-params.js';
import { Transport } from './transport.js';
import { validateTask } from './validate-task.js';

export type { SolverOptions } from './solver-options.js';

/** Options of `balance()` and `report()`. */
export interface CallOptions {
  /** Aborts the call at once: pending sleeps and requests stop, the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** Options of `solve()`. */
export interface SolveOptions extends CallOptions {
  /**
   * A captcha id from an earlier `solve()` (its `onSubmitted`) to pick up instead of
   * submitting: the solver polls it at once. If the service no longer knows it
   * (`ERROR_WRONG_CAPTCHA_ID`, `ERROR_NO_SUCH_CAPCHA_ID`: wrong, or its result expired), the
   * task is submitted anew (and `onSubmitted` called with the new id). Checked like an id the
   * service sends: 1 to 128 printable ASCII characters, no spaces (a `TypeError` or
   * `RangeError` otherwise).
   */
  resumeId?: string | undefined;
  /**
   * Called with the captcha id right after the service accepted the task, before the first
   * poll, so the caller can persist it (and later pass it as `resumeId`). A returned promise is
   * awaited before polling. If it throws (or rejects), `solve()` rejects with that error: the
   * task stays accepted (and charged) by the service.
   */
  onSubmitted?: ((captchaId: string) => void | PromiseLike<void>) | undefined;
  /** Overrides the solver's `submitRetries` for this call (`solveStage` passes 0: it retries itself). */
  submitRetries?: number;
}

/** A solved task. */
export interface Solution {
  /** The provider's task id (use it for `report`). */
  readonly id: string;
  /** The answer: a token, or an image's text. */
  readonly token: string;
  /** Milliseconds from submit to answer, on the solver's clock. */
  readonly elapsedMs: number;
  /** How many `res.php?action=get` requests it took. */
  readonly polls: number;
  /**
   * True when the answer came from polling `resumeId` without a new submit. Always set by
   * `createSolver`'s solvers (optional for other `Solver` implementations).
   */
  readonly resumed?: boolean;
  /** `in.php` requests this call made (0 when resumed; more after submit retries). Always set by `createSolver`'s solvers. */
  readonly submits?: number;
}

/** Cheap counters, for tests and dashboards. */
export interface SolverStats {
  /** `solve()` calls not yet settled. */
  readonly inFlight: number;
  /** HTTP requests sent. */
  readonly requests: number;
  /** `in.php` requests, submit retries included. */
  readonly submits: number;
  /** Submits repeated after a transient failure (part of `submits`). */
  readonly submitRetries: number;
  /** Calls that picked up a `resumeId` and got their answer without a new submit. */
  readonly resumed: number;
  /** `res.php?action=get` polls sent. */
  readonly polls: number;
  /** `solve()` calls resolved with an answer. */
  readonly solved: number;
  /** `solve()` calls rejected. */
  readonly failed: number;
  /** Submits refused locally after a fatal-account answer. */
  readonly refused: number;
}

/** A client for the CaptchaAI / 2captcha `in.php` + `res.php` protocol. */
export interface Solver {
  /** The provider whose error meanings apply. */
  readonly provider: ProviderName;
  /**
   * Submits `task` (or picks up `options.resumeId`), polls until it is solved, and resolves
   * with the answer. Only the task's own enumerable fields are read, once. Rejects with an
   * `InvalidTaskError` before any request when the task is malformed; with a classified
   * `SolverError` when the service refuses it (transient submit failures are retried
   * `submitRetries` times and transient poll failures until the deadline); with
   * `SolverTimeoutError` when `timeout` passes (kind `transient` with the last failure as
   * `cause` when the service could not be reached at the end, `unsolvable` when it kept
   * answering "not ready"); with an `AbortError` on abort; with `SolverClosedError` after
   * `close()`.
   *
   * @example
   * ```ts
   * const { token } = await solver.solve(task, {
   *   signal,
   *   resumeId: saved.captchaId, // undefined the first time
   *   onSubmitted: (captchaId) => save({ ...saved, captchaId }),
   * });
   * ```
   */
  solve(task: Task, options?: SolveOptions): Promise<Solution>;
  /** The account balance (`getbalance`). */
  balance(options?: CallOptions): Promise<number>;
  /** Reports an answer as good or bad (`reportgood` / `reportbad`). */
  report(id: string | number, verdict: 'good' | 'bad', options?: CallOptions): Promise<void>;
  /** Counters since creation. */
  stats(): SolverStats;
  /** Aborts every call in flight, refuses new ones, and closes the default Pool. Idempotent. */
  close(): Promise<void>;
}

const firstPollDefaults: Record<TaskType, number> = {
  'recaptcha-v2': 15_000,
  'recaptcha-v3': 10_000,
  hcaptcha: 15_000,
  turnstile: 8_000,
  image: 5_000,
};

/** A `resumeId` option: a string the service could have sent as a task id. */
function checkResumeId(value: unknown): string {
  const id = v.string('options.resumeId', value);
  const problem = taskIdProblem(id);
  if (problem !== undefined) {
    throw new InvalidOptionValueError({
      option: 'options.resumeId',
      expected: `a task id (1 to ${maxTaskIdLength} printable ASCII characters, no spaces)`,
      received: `[${problem}]`,
    });
  }
  return id;
}

/** Provider codes that say a (resumed) task id is unknown: submit the task anew. */
const unknownIdCodes = new Set(['ERROR_WRONG_CAPTCHA_ID', 'ERROR_NO_SUCH_CAPCHA_ID']);

/** A task's own enumerable fields, read once (no inherited field is ever sent). */
function ownFields(task: unknown): unknown {
  if (typeof task !== 'object' || task === null || Array.isArray(task)) return task;
  return { ...(task as object) };
}

/**
 * Creates a solver client. Every option is checked here: a `TypeError` for a wrong type, a
 * `RangeError` for a bad value, naming the option.
 *
 * @example
 * ```ts
 * const solver = createSolver({ apiKey: process.env.CAPTCHAAI_KEY! });
 * const { token } = await solver.solve(
 *   { type: 'recaptcha-v2', sitekey: '6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-', pageurl: 'https://example.com/login' },
 *   { signal: AbortSignal.timeout(120_000) },
 * );
 * await solver.close();
 * ```
 */
export function createSolver(options: SolverOptions): Solver {
  const { config, apiKey } = parseSolverOptions(options);
  return new SolverClient(config, apiKey);
}

class SolverClient implements Solver {
  readonly provider: ProviderName;
  readonly #config: SolverConfig;
  readonly #transport: Transport;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #calls = new Set<Call>();
  #fatal: SolverError | undefined;
  #closed = false;
  #inFlight = 0;
  #requests = 0;
  #submits = 0;
  #submitRetriesMade = 0;
  #resumed = 0;
  #polls = 0;
  #solved = 0;
  #failed = 0;
  #refused = 0;

  constructor(config: SolverConfig, apiKey: string) {
    this.#config = config;
    this.provider = config.provider;
    this.#ownsDispatcher = config.dispatcher === undefined;
    this.#dispatcher =
      config.dispatcher ??
      new Pool(config.baseUrl.origin, {
        connections: config.connections,
        connect: { timeout: config.requestTimeout },
        keepAliveTimeout: 10_000,
      });
    this.#transport = new Transport(apiKey, {
      baseUrl: config.baseUrl,
      dispatcher: this.#dispatcher,
      format: config.responseFormat,
      transientDelay: config.transientDelay,
    });
  }

  async solve(task: Task, options: SolveOptions = {}): Promise<Solution> {
    const snapshot = ownFields(task);
    validateTask(snapshot, this.provider);
    v.object('options', options);
    const resumeId = v.optional(options.resumeId, undefined, checkResumeId);
    const onSubmitted = v.optional(options.onSubmitted, undefined, (x) =>
      v.func<(id: string) => void | PromiseLike<void>>('options.onSubmitted', x),
    );
    const submitRetries = v.optional(options.submitRetries, this.#config.submitRetries, (x) =>
      v.integer('options.submitRetries', x, { min: 0 }),
    );
    // Asked for before any request, so a bad value is refused before the task is paid for.
    const firstDelay = this.#firstDelay(snapshot);
    const call = this.#open(options.signal);
    // One frame per task in flight: everything below lives in this function (memory per task).
    const clock = this.#config.clock;
    const start = clock.now();
    const timeout = this.#config.timeout ?? (snapshot.type === 'image' ? 90_000 : 180_000);
    const deadline = start + timeout;
    // The task's form fields, until a submit is accepted: none follows an accepted one (a
    // resumed task submits only when the service forgot its id, and is no longer resumed
    // then), so a task waiting for its answer does not keep them.
    let params: [string, string][] | undefined = taskParams(snapshot);
    let submits = 0;
    /** Submits (with retries) until accepted; resolves with the new id. */
    const submit = async (): Promise<string> => {
      for (let attempt = 0; ; attempt++) {
        if (this.#fatal) throw this.#refuse(this.#fatal);
        this.#submits++;
        submits++;
        if (attempt > 0) this.#submitRetriesMade++;
        let id: string | undefined;
        try {
          id = await this.#request('in', params!, 'submit', deadline, call);
          if (id === undefined) throw this.#unexpectedNotReady('submit', undefined);
        } catch (error) {
          if (!isSolverError(error, 'transient') || call.stopped) throw error;
          const wait = error.retryAfter ?? this.#config.transientDelay;
          if (clock.now() + wait >= deadline) {
            if (clock.now() < deadline) await call.sleep(deadline - clock.now());
            throw new SolverTimeoutError(timeout, undefined, 0, error);
          }
          if (attempt >= submitRetries) throw error;
          await call.sleep(wait);
          continue;
        }
        params = undefined;
        // Outside the try: the caller's callback failing is not a submit failure to retry.
        if (onSubmitted) await onSubmitted(id);
        return id;
      }
    };
    this.#inFlight++;
    try {
      let resumed = resumeId !== undefined;
      if (!resumed && this.#fatal) throw this.#refuse(this.#fatal);
      let id = resumeId ?? (await submit());
      let polls = 0;
      /** The last transient poll failure, cleared by a "not ready" answer. */
      let lastTransient: SolverError | undefined;
      let wait = resumed ? 0 : firstDelay;
      for (;;) {
        const remaining = deadline - clock.now();
        if (wait >= remaining) {
          if (remaining > 0) await call.sleep(remaining);
          throw new SolverTimeoutError(timeout, id, polls, lastTransient);
        }
        if (wait > 0) await call.sleep(wait);
        polls++;
        this.#polls++;
        try {
          const token = await this.#request(
            'res',
            [
              ['action', 'get'],
              ['id', id],
            ],
            'poll',
            deadline,
            call,
            id,
          );
          if (token !== undefined) {
            this.#solved++;
            if (resumed) this.#resumed++;
            return { id, token, elapsedMs: clock.now() - start, polls, resumed, submits };
          }
          lastTransient = undefined;
          wait = this.#nextGap(0);
        } catch (error) {
          if (
            resumed &&
            isSolverError(error) &&
            error.providerCode !== undefined &&
            unknownIdCodes.has(error.providerCode) &&
            !call.stopped
          ) {
            // The service forgot the resumed id (wrong, or its result expired): start over.
            resumed = false;
            lastTransient = undefined;
            id = await submit();
            wait = firstDelay;
            continue;
          }
          // A submitted task is paid for: keep polling through network trouble until the deadline.
          if (!isSolverError(error, 'transient') || call.stopped) throw error;
          lastTransient = error;
          wait = this.#nextGap(error.retryAfter ?? 0);
        }
      }
    } catch (error) {
      this.#failed++;
      throw call.stopped ?? error;
    } finally {
      this.#inFlight--;
      this.#calls.delete(call);
      call.dispose();
    }
  }

  /** Starts a call: checks the signal and the solver, and registers the call for `close()`. */
  #open(userSignal: AbortSignal | undefined): Call {
    if (userSignal !== undefined) v.signal('options.signal', userSignal);
    this.#checkOpen();
    if (userSignal?.aborted) throw new AbortedError(userSignal.reason);
    // The solver's own Pool is destroyed on close, which ends its requests.
    const call = new Call(userSignal, this.#ownsDispatcher, this.#config.clock);
    this.#calls.add(call);
    return call;
  }

  /** The error for a submit refused locally after a fatal-account answer. */
  #refuse(fatal: SolverError): SolverError {
    this.#refused++;
    return new SolverError({
      kind: fatal.kind,
      code: fatal.code,
      providerCode: fatal.providerCode,
      phase: 'submit',
      message: `Not submitted: the solver stopped after an earlier fatal answer (${fatal.message})`,
      cause: fatal,
    });
  }

  async balance(options: CallOptions = {}): Promise<number> {
    const value = await this.#simple([['action', 'getbalance']], 'balance', options.signal);
    const balance = Number(value);
    if (value.trim() === '' || !Number.isFinite(balance)) {
      throw new SolverError({
        kind: 'transient',
        message: 'Unreadable balance from res.php (not a number)',
        phase: 'balance',
        retryAfter: this.#config.transientDelay,
      });
    }
    return balance;
  }

  async report(
    id: string | number,
    verdict: 'good' | 'bad',
    options: CallOptions = {},
  ): Promise<void> {
    if (typeof id === 'number' ? !Number.isFinite(id) : typeof id !== 'string' || id === '')
      v.string('id', id, { nonEmpty: true });
    const action = v.oneOf('verdict', verdict, ['good', 'bad'] as const);
    await this.#simple(
      [
        ['action', action === 'good' ? 'reportgood' : 'reportbad'],
        ['id', String(id)],
      ],
      'report',
      options.signal,
      String(id),
    );
  }

  stats(): SolverStats {
    return {
      inFlight: this.#inFlight,
      requests: this.#requests,
      submits: this.#submits,
      submitRetries: this.#submitRetriesMade,
      resumed: this.#resumed,
      polls: this.#polls,
      solved: this.#solved,
      failed: this.#failed,
      refused: this.#refused,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Each call's requests listen on it, so this also ends every request in flight.
    for (const call of this.#calls) call.stop(new SolverClosedError());
    // destroy(), not close(): requests still in flight end now instead of being awaited.
    if (this.#ownsDispatcher) await this.#dispatcher.destroy();
  }

  /** Keeps the key (and everything else private) out of `console.log(solver)`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Solver { provider: '${this.provider}', baseUrl: '${this.#config.baseUrl.href}', apiKey: '[redacted]', closed: ${this.#closed} }`;
  }

  toJSON(): object {
    return { provider: this.provider, baseUrl: this.#config.baseUrl.href, closed: this.#closed };
  }

  async #simple(
    params: [string, string][],
    phase: SolverPhase,
    userSignal: AbortSignal | undefined,
    taskId?: string,
  ): Promise<string> {
    const call = this.#open(userSignal);
    try {
      const deadline = this.#config.clock.now() + this.#config.requestTimeout;
      const value = await this.#request('res', params, phase, deadline, call, taskId);
      if (value === undefined) throw this.#unexpectedNotReady(phase, taskId);
      return value;
    } catch (error) {
      throw call.stopped ?? error;
    } finally {
      this.#calls.delete(call);
      call.dispose();
    }
  }

  /**
   * One request, classified: resolves with the answer's value, with `undefined` for "not
   * ready", or rejects with a {@link SolverError}.
   */
  async #request(
    endpoint: 'in' | 'res',
    params: [string, string][],
    phase: SolverPhase,
    deadline: number,
    call: Call,
    taskId?: string,
  ): Promise<string | undefined> {
    // The request may not outlive the call's deadline (a hard limit, armed on every request).
    const timeout = Math.min(this.#config.requestTimeout, deadline - this.#config.clock.now());
    this.#requests++;
    const reply = await this.#transport.post(
      endpoint,
      params,
      phase,
      timeout,
      call.requestSignal,
      taskId,
    );
    try {
      return interpretReply(reply, {
        endpoint,
        phase,
        taskId,
        provider: this.provider,
        transientDelay: this.#config.transientDelay,
      });
    } catch (error) {
      if (
        isSolverError(error, 'fatal-account') &&
        this.#config.stopOnFatal &&
        this.#fatal === undefined
      )
        this.#fatal = error;
      throw error;
    }
  }

  #unexpectedNotReady(phase: SolverPhase, taskId: string | undefined): SolverError {
    return new SolverError({
      kind: 'transient',
      message: `Unexpected not-ready answer on ${phase}`,
      phase,
      taskId,
      retryAfter: this.#config.transientDelay,
    });
  }

  #firstDelay(task: Task): number {
    const option = this.#config.firstPollDelay;
    if (option === undefined) return firstPollDefaults[task.type];
    if (typeof option === 'number') return option;
    return v.duration('firstPollDelay(task)', option(task));
  }

  #nextGap(atLeast: number): number {
    const interval = this.#config.pollInterval;
    const gap =
      this.#config.pollJitter > 0
        ? interval * (1 + this.#config.random() * this.#config.pollJitter)
        : interval;
    return Math.max(gap, atLeast);
  }

  #checkOpen(): void {
    if (this.#closed) throw new SolverClosedError();
  }
}
