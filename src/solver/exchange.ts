import type { Dispatcher } from 'undici';

/** What the transport reads of one HTTP answer, body in full. */
export interface RawReply {
  readonly status: number;
  /** The first `Content-Type` header, as sent. */
  readonly contentType: string | undefined;
  /** The first `Retry-After` header, as sent. */
  readonly retryAfter: string | undefined;
  readonly body: Buffer;
  /** What the dispatcher said about the connection (undici's redirect handler puts `history` here). */
  readonly context: object | undefined;
}

/** A failure the transport names itself (an oversized body, a refused redirect). */
export class TransportFailure extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}

type RawHeader = string | Buffer | readonly (string | Buffer)[];

/** The first value of header `name` (lower case) in undici's raw `[name, value, …]` list. */
function rawHeader(raw: readonly RawHeader[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i]!;
    // A length check first: most headers are not the one asked for, and need no decoding.
    if (key.length !== name.length) continue;
    const text = typeof key === 'string' ? key : (key as Buffer).toString('latin1');
    if (text.toLowerCase() !== name) continue;
    const value = raw[i + 1]!;
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) return undefined;
    return typeof first === 'string' ? first : (first as Buffer).toString('latin1');
  }
  return undefined;
}

/**
 * One request through an undici dispatcher, read into memory: the handler undici calls as the
 * answer arrives, and the promise of the whole answer. It takes undici's classic handler hooks
 * (`onConnect`, `onHeaders`, `onData`, `onComplete`, `onError`), the ones `dispatcher.request()`
 * itself hands to `dispatch`, so it works with every dispatcher `request()` works with, and it
 * skips what `request()` adds per call and the transport does not need: a body stream, its async
 * iterator and an async resource. A body past `maxBodyBytes` fails the exchange with a
 * {@link TransportFailure} and aborts the request.
 */
export class Exchange {
  /** The answer; rejects with what {@link Exchange.fail} was given, or undici's error. */
  readonly reply: Promise<RawReply>;
  #resolve!: (reply: RawReply) => void;
  #reject!: (reason: unknown) => void;
  #settled = false;
  /** undici's abort for this request, once it has a connection. */
  #abort: ((reason?: Error) => void) | undefined = undefined;
  #context: object | undefined = undefined;
  #status = 0;
  #contentType: string | undefined = undefined;
  #retryAfter: string | undefined = undefined;
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(readonly maxBodyBytes: number) {
    this.reply = new Promise<RawReply>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Dispatches the request, unless the exchange already failed. */
  send(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): void {
    if (this.#settled) return;
    try {
      dispatcher.dispatch(options, this as unknown as Dispatcher.DispatchHandler);
    } catch (error) {
      // undici's own dispatchers report through onError; another may throw.
      this.onError(error as Error);
    }
  }

  /**
   * Settles the exchange with `reason` at once and aborts the request: now if it has a
   * connection, else as soon as it gets one (undici does not drop a queued request). Does
   * nothing once the answer is complete.
   */
  fail(reason: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#chunks = [];
    this.#reject(reason);
    this.#abort?.();
  }

  onConnect(abort: (reason?: Error) => void, context?: object): void {
    if (this.#settled) {
      abort();
      return;
    }
    this.#abort = abort;
    this.#context = context;
  }

  onHeaders(status: number, raw: RawHeader[]): boolean {
    // 1xx answers are informational: the real one follows.
    if (status < 200 || this.#settled) return true;
    this.#status = status;
    this.#contentType = rawHeader(raw, 'content-type');
    this.#retryAfter = rawHeader(raw, 'retry-after');
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#settled) return false;
    this.#size += chunk.length;
    if (this.#size > this.maxBodyBytes) {
      this.fail(new TransportFailure('an oversized body'));
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.#settled) return;
    this.#settled = true;
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#resolve({
      status: this.#status,
      contentType: this.#contentType,
      retryAfter: this.#retryAfter,
      body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size),
      context: this.#context,
    });
  }

  onError(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#chunks = [];
    this.#reject(error);
  }
}
