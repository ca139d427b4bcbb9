import { EventEmitter } from 'node:events';
import { type Dispatcher, Pool } from 'undici';
import { AbortedError, InvalidOptionTypeError, InvalidOptionValueError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import * as v from '../internal/validate.js';
import { isWellFormed, maxTaskIdLength, taskIdProblem } from './answer-checks.js';
import { Call } from './call.js';
import { interpretReply } from './interpret-reply.js';
import { type ProviderName, providerNames, providers } from './provider.js';
import {
  isSolverError,
  SolverClosedError,
  SolverError,
  type SolverPhase,
  SolverTimeoutError,
} from './solver-error.js';
import type { Task, TaskType } from './task.js';
import { taskParams } from './task-params.js';
import { Transport } from './transport.js';
import { validateTask } from './validate-task.js';

/** Options of {@link createSolver}. */
export interface SolverOptions {
  /** Which provider's error meanings to apply. @default 'captchaai' */
  provider?: ProviderName;
  /** The account key. Sent only in POST bodies; never shown in messages or `util.inspect`. */
  apiKey: string;
  /**
   * Where `in.php` and `res.php` live. Plain `http:` is refused unless the host is loopback or
   * `allowInsecure` is set. @default the provider's https endpoint
   */
  baseUrl?: string | URL;
  /** Allows plain `http:` to a non-loopback host (the key would cross the network in clear). @default false */
  allowInsecure?: boolean;
  /** An undici dispatcher (Pool, Agent, MockAgent…). The solver does not close one you pass. @default a Pool of `connections` */
  dispatcher?: Dispatcher;
  /** Sockets of the default Pool. @default 64 */
  connections?: number;
  /**
   * Milliseconds from submit to the first poll, or a function of the task.
   * @default 15 000 for reCAPTCHA v2 and hCaptcha, 10 000 for reCAPTCHA v3, 8 000 for Turnstile, 5 000 for images
   */
  firstPollDelay?: number | ((task: Task) => number);
  /** Milliseconds between polls. @default 5 000 */
  pollInterval?: number;
  /** Adds up to this fraction of `pollInterval` at random to each gap, so polls do not move in lockstep; never shortens a gap. From 0 to 1. @default 0.1 */
  pollJitter?: number;
  /**
   * Overall deadline per task in milliseconds, from the `solve()` call to the answer, submit
   * retries included. A hard limit: the request in flight is aborted when it passes.
   * @default 180 000 (90 000 for images)
   */
  timeout?: number;
  /**
   * Retries of a submit that failed `transient` (network error, timeout, 5xx, HTML page,
   * unreadable answer, 3xx), each after the failure's `retryAfter` (`transientDelay` or the
   * server's `Retry-After`), never past `timeout`. A lost answer may mean the service accepted
   * the task anyway (see `docs/solver.md`, "Which submit failures are repeated"); set 0 to
   * never repeat a submit. An integer from 0. @default 2
   */
  submitRetries?: number;
  /**
   * The wait suggested (as the error's `retryAfter`) after a transient failure: a network
   * error, a timeout, a 5xx, an HTML page, an empty or unreadable body. Polling waits at least
   * this long before the next poll. The providers advise 5 s. @default 5 000
   */
  transientDelay?: number;
  /**
   * Limit per HTTP request in milliseconds (connect, headers and body), in real time. A hard
   * limit: a timer aborts the request when it passes, even while a body trickles in.
   * @default 15 000
   */
  requestTimeout?: number;
  /** Answer format asked for (`json=1` or `json=0`); both are understood either way. @default 'json' */
  responseFormat?: 'json' | 'text';
  /**
   * After a `fatal-account` answer (wrong key, no funds on 2captcha, IP not allowed), refuse
   * further submits without a request, so a wrong key cannot earn an IP ban. @default true
   */
  stopOnFatal?: boolean;
  /** Time source for poll delays and the deadline. @default systemClock */
  clock?: Clock;
}

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
  readonly requests: number;
  /** `in.php` requests, submit retries included. */
  readonly submits: number;
  /** Submits repeated after a transient failure (part of `submits`). */
  readonly submitRetries: number;
  /** Calls that picked up a `resumeId` and got their answer without a new submit. */
  readonly resumed: number;
  readonly polls: number;
  readonly solved: number;
  readonly failed: number;
  /** Submits refused locally after a fatal-account answer. */
  readonly refused: number;
}

/** A client for the CaptchaAI / 2captcha `in.php` + `res.php` protocol. */
export interface Solver {
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

const loopbackHosts = new Set(['localhost', '[::1]', '::1']);

function isLoopback(hostname: string): boolean {
  return loopbackHosts.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** A URL as it may appear in an error: no userinfo, query or fragment (they can hold secrets). */
function safeHref(url: URL): string {
  const hidden = [
    url.username !== '' || url.password !== '' ? 'credentials' : '',
    url.search !== '' ? 'query' : '',
    url.hash !== '' ? 'fragment' : '',
  ].filter(Boolean);
  const shown = `${url.protocol}//${url.host}${url.pathname}`;
  return hidden.length === 0 ? shown : `${shown} (${hidden.join(', ')} removed)`;
}

function checkBaseUrl(value: unknown, allowInsecure: boolean): URL {
  const expected = 'an https: URL (or http: to a loopback host) without query, hash or credentials';
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw new InvalidOptionTypeError({
      option: 'baseUrl',
      expected: 'a string or a URL',
      received: `[${kindOf(value)}]`,
    });
  }
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    // An unparseable string may still hold a secret: show its length only.
    throw new InvalidOptionValueError({
      option: 'baseUrl',
      expected,
      received: `[not a URL, ${String(value).length} characters]`,
    });
  }
  const bad =
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== '';
  if (bad)
    throw new InvalidOptionValueError({ option: 'baseUrl', expected, received: safeHref(url) });
  if (url.protocol === 'http:' && !allowInsecure && !isLoopback(url.hostname)) {
    throw new InvalidOptionValueError({
      option: 'baseUrl',
      expected: 'https: for a non-loopback host (set allowInsecure: true to send the key in clear)',
      received: safeHref(url),
    });
  }
  return url;
}

/** What a value is, without showing it (for errors about the key). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  if (Array.isArray(value)) return 'an array';
  if (Buffer.isBuffer(value)) return 'a Buffer';
  return 'an object';
}

/**
 * The API key, checked without ever putting it (or a wrong-typed value that may be it, such
 * as a `Buffer` or a number) into an error: `received` says only what kind of value it was.
 */
function checkApiKey(value: unknown): string {
  if (typeof value !== 'string') {
    throw new InvalidOptionTypeError({
      option: 'apiKey',
      expected: 'a non-empty string',
      received: `[redacted ${kindOf(value)}]`,
    });
  }
  if (value.length === 0)
    throw new InvalidOptionValueError({
      option: 'apiKey',
      expected: 'a non-empty string',
      received: '',
    });
  if (!isWellFormed(value)) {
    throw new InvalidOptionValueError({
      option: 'apiKey',
      expected: 'a well-formed string (no lone UTF-16 surrogate)',
      received: '[redacted string]',
    });
  }
  return value;
}

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
  v.object('options', options);
  return new SolverClient(options);
}

class SolverClient implements Solver {
  readonly provider: ProviderName;
  readonly #baseUrl: URL;
  readonly #transport: Transport;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #firstPollDelay: number | ((task: Task) => number) | undefined;
  readonly #pollInterval: number;
  readonly #pollJitter: number;
  readonly #timeout: number | undefined;
  readonly #submitRetries: number;
  readonly #requestTimeout: number;
  readonly #transientDelay: number;
  readonly #stopOnFatal: boolean;
  readonly #clock: Clock;
  /** Emits `'abort'` on close: the shared undici signal of calls without their own. */
  readonly #closer = new EventEmitter().setMaxListeners(0);
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

  constructor(options: SolverOptions) {
    this.provider = v.optional(options.provider, 'captchaai', (x) =>
      v.oneOf('provider', x, providerNames),
    );
    const apiKey = checkApiKey(options.apiKey);
    const allowInsecure = v.optional(options.allowInsecure, false, (x) =>
      v.boolean('allowInsecure', x),
    );
    this.#baseUrl = checkBaseUrl(
      options.baseUrl ?? providers[this.provider].baseUrl,
      allowInsecure,
    );
    this.#firstPollDelay = v.optional(options.firstPollDelay, undefined, (x) =>
      typeof x === 'function' ? (x as (task: Task) => number) : v.duration('firstPollDelay', x),
    );
    this.#pollInterval = v.optional(options.pollInterval, 5_000, (x) =>
      v.duration('pollInterval', x),
    );
    this.#pollJitter = v.optional(options.pollJitter, 0.1, (x) =>
      v.number('pollJitter', x, { min: 0, max: 1 }),
    );
    this.#timeout = v.optional(options.timeout, undefined, (x) =>
      v.duration('timeout', x, { min: 1 }),
    );
    this.#submitRetries = v.optional(options.submitRetries, 2, (x) =>
      v.integer('submitRetries', x, { min: 0 }),
    );
    this.#requestTimeout = v.optional(options.requestTimeout, 15_000, (x) =>
      v.duration('requestTimeout', x, { min: 1 }),
    );
    this.#transientDelay = v.optional(options.transientDelay, 5_000, (x) =>
      v.duration('transientDelay', x),
    );
    const format = v.optional(options.responseFormat, 'json' as const, (x) =>
      v.oneOf('responseFormat', x, ['json', 'text'] as const),
    );
    this.#stopOnFatal = v.optional(options.stopOnFatal, true, (x) => v.boolean('stopOnFatal', x));
    this.#clock = v.optional(options.clock, systemClock, (x) => v.clock<Clock>('clock', x));
    const connections = v.optional(options.connections, 64, (x) =>
      v.integer('connections', x, { min: 1 }),
    );
    if (options.dispatcher !== undefined) {
      const d = options.dispatcher as unknown;
      if (typeof d !== 'object' || d === null || typeof (d as Dispatcher).request !== 'function')
        v.func('dispatcher.request', undefined);
      this.#dispatcher = options.dispatcher;
      this.#ownsDispatcher = false;
    } else {
      this.#dispatcher = new Pool(this.#baseUrl.origin, {
        connections,
        connect: { timeout: this.#requestTimeout },
        keepAliveTimeout: 10_000,
      });
      this.#ownsDispatcher = true;
    }
    this.#transport = new Transport(apiKey, {
      baseUrl: this.#baseUrl,
      dispatcher: this.#dispatcher,
      format,
      transientDelay: this.#transientDelay,
    });
  }

  async solve(task: Task, options: SolveOptions = {}): Promise<Solution> {
    const snapshot = ownFields(task);
    validateTask(snapshot);
    v.object('options', options);
    const resumeId = v.optional(options.resumeId, undefined, checkResumeId);
    const onSubmitted = v.optional(options.onSubmitted, undefined, (x) =>
      v.func<(id: string) => void | PromiseLike<void>>('options.onSubmitted', x),
    );
    const submitRetries = v.optional(options.submitRetries, this.#submitRetries, (x) =>
      v.integer('options.submitRetries', x, { min: 0 }),
    );
    const call = this.#open(options.signal);
    // One frame per task in flight: everything below lives in this function (memory per task).
    const clock = this.#clock;
    const start = clock.now();
    const timeout = this.#timeout ?? (snapshot.type === 'image' ? 90_000 : 180_000);
    const deadline = start + timeout;
    const params = taskParams(snapshot);
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
          id = await this.#request('in', params, 'submit', deadline, call);
          if (id === undefined) throw this.#unexpectedNotReady('submit', undefined);
        } catch (error) {
          if (!isSolverError(error, 'transient') || call.stopped) throw error;
          const wait = error.retryAfter ?? this.#transientDelay;
          if (clock.now() + wait >= deadline) {
            if (clock.now() < deadline) await call.sleep(deadline - clock.now());
            throw new SolverTimeoutError(timeout, undefined, 0, error);
          }
          if (attempt >= submitRetries) throw error;
          await call.sleep(wait);
          continue;
        }
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
      let wait = resumed ? 0 : this.#firstDelay(snapshot);
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
            wait = this.#firstDelay(snapshot);
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
    // The solver's own Pool is destroyed on close, which ends its requests: no signal needed.
    const call = new Call(userSignal, this.#ownsDispatcher ? undefined : this.#closer, this.#clock);
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
        retryAfter: this.#transientDelay,
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
    for (const call of this.#calls) call.stop(new SolverClosedError());
    this.#closer.emit('abort');
    // destroy(), not close(): requests still in flight end now instead of being awaited.
    if (this.#ownsDispatcher) await this.#dispatcher.destroy();
  }

  /** Keeps the key (and everything else private) out of `console.log(solver)`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Solver { provider: '${this.provider}', baseUrl: '${this.#baseUrl.href}', apiKey: '[redacted]', closed: ${this.#closed} }`;
  }

  toJSON(): object {
    return { provider: this.provider, baseUrl: this.#baseUrl.href, closed: this.#closed };
  }

  async #simple(
    params: [string, string][],
    phase: SolverPhase,
    userSignal: AbortSignal | undefined,
    taskId?: string,
  ): Promise<string> {
    const call = this.#open(userSignal);
    try {
      const deadline = this.#clock.now() + this.#requestTimeout;
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
    const timeout = Math.min(this.#requestTimeout, deadline - this.#clock.now());
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
        transientDelay: this.#transientDelay,
      });
    } catch (error) {
      if (isSolverError(error, 'fatal-account') && this.#stopOnFatal && this.#fatal === undefined)
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
      retryAfter: this.#transientDelay,
    });
  }

  #firstDelay(task: Task): number {
    const option = this.#firstPollDelay;
    if (option === undefined) return firstPollDefaults[task.type];
    if (typeof option === 'number') return option;
    return v.duration('firstPollDelay(task)', option(task));
  }

  #nextGap(atLeast: number): number {
    const interval = this.#pollInterval;
    const gap = this.#pollJitter > 0 ? interval * (1 + Math.random() * this.#pollJitter) : interval;
    return Math.max(gap, atLeast);
  }

  #checkOpen(): void {
    if (this.#closed) throw new SolverClosedError();
  }
}
