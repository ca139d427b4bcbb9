import type { Dispatcher } from 'undici';
import type { RequestSignal } from './call.js';
import { SolverError, type SolverPhase } from './solver-error.js';

/** One HTTP answer, read in full. */
export interface Reply {
  readonly status: number;
  /** The `Retry-After` header in milliseconds, when present and readable. */
  readonly retryAfter: number | undefined;
  readonly contentType: string | undefined;
  readonly text: string;
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

function describeFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown error';
}

/**
 * POSTs urlencoded forms to `in.php` and `res.php`. The API key is added to the body here and
 * nowhere else: it is never in a URL, a header, a message or an error property.
 *
 * Each request has a total time limit in real time: `headersTimeout` covers connect-to-headers
 * (hangs, slow headers), `bodyTimeout` covers a stalled body, and the elapsed time is checked on
 * every chunk so a body that trickles bytes cannot outlive the limit either.
 */
export class Transport {
  readonly #origin: string;
  readonly #inPath: string;
  readonly #resPath: string;
  readonly #dispatcher: Dispatcher;
  /** `key=…&json=…`, encoded once. */
  readonly #prefix: string;
  readonly #transientDelay: number;

  constructor(apiKey: string, options: TransportOptions) {
    this.#origin = options.baseUrl.origin;
    const base = options.baseUrl.pathname.replace(/\/+$/, '');
    this.#inPath = `${base}/in.php`;
    this.#resPath = `${base}/res.php`;
    this.#dispatcher = options.dispatcher;
    this.#prefix = `key=${encodeURIComponent(apiKey)}&json=${options.format === 'json' ? '1' : '0'}`;
    this.#transientDelay = options.transientDelay;
  }

  /**
   * Sends one request and reads the whole answer. Rejects with a `transient` {@link SolverError}
   * on network failures and timeouts, or with the signal's abort (the caller maps it).
   */
  async post(
    endpoint: 'in' | 'res',
    params: readonly (readonly [string, string])[],
    phase: SolverPhase,
    timeoutMs: number,
    signal: RequestSignal | undefined,
    taskId?: string,
    exact = false,
  ): Promise<Reply> {
    // A plain string beats URLSearchParams here (this runs twice per solve at least).
    let form = this.#prefix;
    for (const [name, value] of params) form += `&${name}=${encodeURIComponent(value)}`;
    const path = endpoint === 'in' ? this.#inPath : this.#resPath;
    const limit = Math.max(1, Math.ceil(timeoutMs));
    const until = performance.now() + limit;
    let response: Dispatcher.ResponseData | undefined;
    // undici's own timeouts tick about once a second; when the limit is a task's deadline it
    // must hold to the millisecond, so a plain timer aborts the request then.
    let timer: ReturnType<typeof setTimeout> | undefined;
    let expired: AbortController | undefined;
    let dispose: (() => void) | undefined;
    if (exact) {
      const controller = new AbortController();
      expired = controller;
      dispose = listen(signal, () => controller.abort());
      timer = setTimeout(() => controller.abort(deadlineReached), limit);
      signal = controller.signal;
    }
    try {
      response = await this.#dispatcher.request({
        origin: this.#origin,
        path,
        method: 'POST',
        headers: formHeaders,
        body: form,
        headersTimeout: limit,
        bodyTimeout: limit,
        signal: signal ?? null,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBodyBytes) throw transportError('an oversized body');
        if (performance.now() > until) throw transportError('the request timeout');
        chunks.push(chunk);
      }
      return {
        status: response.statusCode,
        retryAfter: parseRetryAfter(header(response.headers['retry-after'])),
        contentType: header(response.headers['content-type']),
        text:
          chunks.length === 1
            ? chunks[0]!.toString('utf8')
            : Buffer.concat(chunks).toString('utf8'),
      };
    } catch (error) {
      // Make sure a half-read body releases its socket.
      if (response && !response.body.destroyed) response.body.destroy();
      const timedOut = expired?.signal.reason === deadlineReached;
      // An abort (the caller's, or close()) is mapped by the solver, which knows why.
      if (!timedOut && isAborted(signal)) throw error;
      const reason = timedOut
        ? 'the request timeout'
        : error instanceof TransportFailure
          ? error.what
          : describeFailure(error);
      throw new SolverError({
        kind: 'transient',
        message: `Request to ${endpoint}.php failed (${reason})`,
        retryAfter: this.#transientDelay,
        phase,
        taskId,
        cause: error instanceof TransportFailure || timedOut ? undefined : error,
      });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      dispose?.();
    }
  }
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

function isAborted(signal: RequestSignal | undefined): boolean {
  return signal !== undefined && 'aborted' in signal && signal.aborted;
}

class TransportFailure extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}

function transportError(what: string): TransportFailure {
  return new TransportFailure(what);
}
