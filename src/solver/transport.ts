import type { Dispatcher } from 'undici';
import type { StopHook } from './call.js';
import { Exchange, TransportFailure } from './exchange.js';
import { SolverError, type SolverPhase } from './solver-error.js';

/** One HTTP answer, read in full. */
export interface Reply {
  readonly status: number;
  /** The `Retry-After` header in milliseconds, when present and readable. */
  readonly retryAfter: number | undefined;
  /** The `Content-Type` header, with the API key (if the server echoed it) redacted. */
  readonly contentType: string | undefined;
  /** The body as UTF-8, with the API key (if the server echoed it) redacted. */
  readonly text: string;
  /** False when the body was not valid UTF-8 (`text` then holds replacement characters). */
  readonly validUtf8: boolean;
}

/** What the transport needs to know. */
export interface TransportOptions {
  readonly baseUrl: URL;
  readonly dispatcher: Dispatcher;
  readonly format: 'json' | 'text';
  /** `retryAfter` of transport failures. */
  readonly transientDelay: number;
}

/** Bodies above this are not protocol answers; stop reading rather than buffer a whole page. */
const maxBodyBytes = 256 * 1024;

const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** `Retry-After` is either seconds or an HTTP date. */
function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A network error's code (`ECONNRESET`, `UND_ERR_SOCKET`…) or class name; never its message. */
function describeFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,40}$/.test(code)) return code;
  const name = error instanceof Error ? error.name : '';
  return /^[A-Za-z]{1,40}$/.test(name) ? name : 'unknown error';
}

/**
 * What a network error may pass on as `cause`: a fresh `Error` with the original's name and
 * code only. The original is dropped because its message and properties can hold the request
 * (undici's `MockAgent` puts the whole form body, key included, in its "not matched" error).
 */
function safeCause(error: unknown): Error {
  const what = describeFailure(error);
  const cause = new Error(`Network failure (${what})`);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code === what) Object.assign(cause, { code });
  return cause;
}

/** Matches the key in any letter case, raw or URL-encoded (hex keys are case-insensitive). */
function secretPattern(apiKey: string): RegExp {
  const forms = new Set([apiKey, encodeURIComponent(apiKey)]);
  const escaped = [...forms].map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(escaped.join('|'), 'gi');
}

/**
 * POSTs urlencoded forms to `in.php` and `res.php`. The API key is added to the body here and
 * nowhere else: it is never in a URL, a header, a message or an error property, and a server
 * that echoes it back has it redacted from the reply.
 *
 * Each request has a hard time limit in real time, always armed: a timer aborts the request
 * when it passes, whatever stage it is in (connecting, waiting for headers, or reading a body
 * that trickles bytes). An abort (the caller's signal, or `close()`) settles the request at
 * once, even one still queued in the dispatcher for a socket. Redirects are never followed:
 * `maxRedirections: 0` turns off undici's redirect interceptor, a 3xx answer is returned as
 * such (the solver makes it a `transient` error), and an answer the dispatcher reached by
 * following a redirect anyway (undici reports its `history`) is refused.
 */
export class Transport {
  readonly #origin: string;
  readonly #inPath: string;
  readonly #resPath: string;
  readonly #dispatcher: Dispatcher;
  /** `key=…&json=…`, encoded once. */
  readonly #prefix: string;
  readonly #secret: RegExp;
  readonly #transientDelay: number;

  constructor(apiKey: string, options: TransportOptions) {
    this.#origin = options.baseUrl.origin;
    const base = options.baseUrl.pathname.replace(/\/+$/, '');
    this.#inPath = `${base}/in.php`;
    this.#resPath = `${base}/res.php`;
    this.#dispatcher = options.dispatcher;
    const encoded = encodeURIComponent(apiKey);
    this.#prefix = `key=${encoded}&json=${options.format === 'json' ? '1' : '0'}`;
    this.#secret = secretPattern(apiKey);
    this.#transientDelay = options.transientDelay;
  }

  /** `text` with the API key (raw or encoded, in any letter case) replaced by `[redacted]`. */
  redact(text: string): string {
    this.#secret.lastIndex = 0;
    return this.#secret.test(text) ? text.replace(this.#secret, '[redacted]') : text;
  }

  /**
   * Sends one request and reads the whole answer. Rejects with a `transient` {@link SolverError}
   * on network failures, timeouts and followed redirects; rejects at once when `stop` fires
   * (the caller maps that).
   */
  async post(
    endpoint: 'in' | 'res',
    params: readonly (readonly [string, string])[],
    phase: SolverPhase,
    timeoutMs: number,
    stop: StopHook | undefined,
    taskId?: string,
  ): Promise<Reply> {
    // A plain string beats URLSearchParams here (this runs twice per solve at least).
    let form = this.#prefix;
    for (const [name, value] of params) form += `&${name}=${encodeURIComponent(value)}`;
    const path = endpoint === 'in' ? this.#inPath : this.#resPath;
    const limit = Math.max(1, Math.ceil(timeoutMs));
    // This timer holds the whole request to its limit (failing the exchange aborts the
    // request, whatever stage it is in). undici's own timeouts are off (0): they tick about
    // once a second, only see gaps between chunks, and would add two timer objects per
    // request that a task in flight keeps (measured: 6% of what a run promotes to V8's old
    // generation).
    const exchange = new Exchange(maxBodyBytes);
    stop?.onStop(() => exchange.fail(userAbort));
    const timer = setTimeout(failAtDeadline, limit, exchange);
    try {
      exchange.send(this.#dispatcher, {
        origin: this.#origin,
        path,
        method: 'POST',
        headers: formHeaders,
        body: form,
        headersTimeout: 0,
        bodyTimeout: 0,
        maxRedirections: 0,
      } as Dispatcher.DispatchOptions);
      const reply = await exchange.reply;
      const history = (reply.context as { history?: unknown } | undefined)?.history;
      if (Array.isArray(history) && history.length > 0)
        throw new TransportFailure('an answer reached through a redirect, refused');
      let text: string;
      let validUtf8 = true;
      try {
        text = strictUtf8.decode(reply.body);
      } catch {
        validUtf8 = false;
        text = reply.body.toString('utf8');
      }
      const contentType = reply.contentType;
      return {
        status: reply.status,
        retryAfter: parseRetryAfter(reply.retryAfter),
        contentType: contentType === undefined ? undefined : this.redact(contentType),
        text: this.redact(text),
        validUtf8,
      };
    } catch (error) {
      // An abort (the caller's, or close()) is mapped by the solver, which knows why.
      if (error === userAbort) throw new Error('aborted');
      const timedOut = error === deadlineReached;
      const what = timedOut
        ? 'the request timeout'
        : error instanceof TransportFailure
          ? error.what
          : describeFailure(error);
      throw new SolverError({
        kind: 'transient',
        message: `Request to ${endpoint}.php failed (${what})`,
        retryAfter: this.#transientDelay,
        phase,
        taskId,
        cause: error instanceof TransportFailure || timedOut ? undefined : safeCause(error),
      });
    } finally {
      clearTimeout(timer);
      stop?.onStop(undefined);
    }
  }
}

const userAbort = Symbol('abort');

const deadlineReached = Symbol('deadline');

function failAtDeadline(exchange: Exchange): void {
  exchange.fail(deadlineReached);
}
