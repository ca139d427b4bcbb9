import { EventEmitter } from 'node:events';
import type { Dispatcher } from 'undici';
import { noop } from '../internal/noop.js';
import type { RequestSignal } from './call.js';
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

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

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
   * on network failures, timeouts and followed redirects, or with the signal's abort (the
   * caller maps it).
   */
  async post(
    endpoint: 'in' | 'res',
    params: readonly (readonly [string, string])[],
    phase: SolverPhase,
    timeoutMs: number,
    signal: RequestSignal | undefined,
    taskId?: string,
  ): Promise<Reply> {
    // A plain string beats URLSearchParams here (this runs twice per solve at least).
    let form = this.#prefix;
    for (const [name, value] of params) form += `&${name}=${encodeURIComponent(value)}`;
    const path = endpoint === 'in' ? this.#inPath : this.#resPath;
    const limit = Math.max(1, Math.ceil(timeoutMs));
    // undici's own timeouts tick about once a second and only see gaps between chunks; this
    // timer holds the whole request to its limit (an abort destroys a body being read, so the
    // read below ends too). A plain emitter is undici's cheapest signal.
    const abort = new EventEmitter();
    let stopReason: symbol | undefined;
    let fail: ((reason: unknown) => void) | undefined;
    const stop = (reason: symbol): void => {
      if (stopReason !== undefined) return;
      stopReason = reason;
      abort.emit('abort');
      // undici settles a request still queued for a socket only when it gets one: not us.
      fail?.(reason);
    };
    const dispose = listen(signal, () => stop(userAbort));
    const timer = setTimeout(() => stop(deadlineReached), limit);
    let response: Dispatcher.ResponseData | undefined;
    try {
      response = await new Promise<Dispatcher.ResponseData>((resolve, reject) => {
        if (stopReason !== undefined) return reject(stopReason);
        fail = reject;
        this.#dispatcher
          .request({
            origin: this.#origin,
            path,
            method: 'POST',
            headers: formHeaders,
            body: form,
            headersTimeout: limit,
            bodyTimeout: limit,
            maxRedirections: 0,
            signal: abort,
          } as Dispatcher.RequestOptions)
          .then((r) => {
            // Settled after we gave up on it (it was queued): release its socket.
            if (stopReason !== undefined) discard(r.body);
            else resolve(r);
          }, reject);
      });
      fail = undefined;
      const history = (response.context as { history?: unknown } | undefined)?.history;
      if (Array.isArray(history) && history.length > 0)
        throw transportError('an answer reached through a redirect, refused');
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBodyBytes) throw transportError('an oversized body');
        chunks.push(chunk);
      }
      // An abort that came after the last chunk (the body already complete) changes nothing.
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      let text: string;
      let validUtf8 = true;
      try {
        text = strictUtf8.decode(bytes);
      } catch {
        validUtf8 = false;
        text = bytes.toString('utf8');
      }
      const contentType = header(response.headers['content-type']);
      return {
        status: response.statusCode,
        retryAfter: parseRetryAfter(header(response.headers['retry-after'])),
        contentType: contentType === undefined ? undefined : this.redact(contentType),
        text: this.redact(text),
        validUtf8,
      };
    } catch (error) {
      // Make sure a half-read body releases its socket.
      if (response) discard(response.body);
      const reason = stopReason;
      // An abort (the caller's, or close()) is mapped by the solver, which knows why.
      if (reason === userAbort) throw abortReason(signal);
      const timedOut = reason === deadlineReached;
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
      dispose();
    }
  }
}

/**
 * Destroys a response body we will not read. undici's body emits an `'error'` (`Request
 * aborted`) when destroyed unread: listen for it so it is not an uncaught exception.
 */
function discard(body: Dispatcher.ResponseData['body']): void {
  if (body.destroyed) return;
  body.on('error', noop);
  body.destroy();
}

const userAbort = Symbol('abort');

/** The reason of an aborted request signal (an emitter has none: the solver maps it). */
function abortReason(signal: RequestSignal | undefined): unknown {
  return signal !== undefined && 'aborted' in signal ? signal.reason : new Error('aborted');
}

const deadlineReached = Symbol('deadline');

/** Calls `fn` once when `signal` aborts (an `AbortSignal` or an `'abort'` emitter); returns a disposer. */
function listen(signal: RequestSignal | undefined, fn: () => void): () => void {
  if (signal === undefined) return () => {};
  if ('aborted' in signal) {
    if (signal.aborted) {
      fn();
      return () => {};
    }
    signal.addEventListener('abort', fn, { once: true });
    return () => signal.removeEventListener('abort', fn);
  }
  signal.once('abort', fn);
  return () => signal.removeListener('abort', fn);
}

class TransportFailure extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}

function transportError(what: string): TransportFailure {
  return new TransportFailure(what);
}
