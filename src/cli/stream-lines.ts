/**
 * Reads a byte stream line by line, decoding one line at a time from the chunk in hand: the
 * lines not yet asked for stay bytes outside the JavaScript heap. (`readline`'s async iterator
 * decodes every line of each chunk at once and queues up to a thousand of them, which a run
 * that reads fast then copies and promotes through every young-generation collection.)
 */
import type { Readable } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/**
 * The lines of a stream, with `readline`'s line breaks (`\n`, `\r\n`, and a lone `\r`; a
 * `\r\n` split across two chunks is one break) and decoding (UTF-8, invalid bytes as U+FFFD).
 * A last line without a line break counts; an empty input has no lines.
 *
 * Call {@link StreamLines.next} until it resolves `undefined`. {@link StreamLines.stop} ends the
 * lines early (a pending `next` resolves `undefined`) and leaves the stream to its owner; after
 * the end or a stop the listeners are removed. A stream error rejects `next`.
 *
 * @example
 * ```ts
 * const lines = new StreamLines(createReadStream('tasks.jsonl'));
 * for (let text = await lines.next(); text !== undefined; text = await lines.next()) use(text);
 * ```
 */
export class StreamLines {
  readonly #input: Readable;
  #chunk: Buffer = EMPTY;
  /** Where the next line starts in #chunk. */
  #at = 0;
  /** Where the next `\r` is in #chunk at or after #at, -1 when none is. */
  #nextCr = -1;
  /**
   * The start of a line whose end is in a later chunk, piece by piece: joined once when the
   * line ends, so a line spanning many chunks costs its length, not its length squared.
   */
  #carry: Buffer[] = [];
  /** The last chunk ended with `\r`: a `\n` starting the next chunk belongs to that break. */
  #afterCr = false;
  #ended = false;
  #stopped = false;
  #failure: { error: unknown } | undefined;
  #wake: (() => void) | undefined;
  readonly #onReadable = (): void => this.#wakeUp();
  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#wakeUp();
  };
  readonly #onError = (error: unknown): void => {
    this.#failure ??= { error };
    this.#wakeUp();
  };

  constructor(input: Readable) {
    this.#input = input;
    input.on('readable', this.#onReadable);
    input.on('end', this.#onEnd);
    input.on('error', this.#onError);
  }

  /**
   * The next line without its line break; `undefined` at the end of the stream or after
   * {@link StreamLines.stop}. Rejects with the stream's error. Resolves at once while the
   * chunk in hand holds a whole line.
   */
  async next(): Promise<string | undefined> {
    for (;;) {
      if (this.#stopped) return undefined;
      const line = this.#lineInChunk();
      if (line !== undefined) return line;
      const failure = this.#failure;
      if (failure) {
        this.stop();
        throw failure.error;
      }
      const chunk = this.#input.read() as Buffer | string | null;
      if (chunk !== null) {
        this.#take(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        continue;
      }
      if (this.#ended || this.#input.readableEnded) {
        const last = Buffer.concat(this.#carry);
        this.stop();
        return last.length > 0 ? last.toString() : undefined;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Ends the lines (a pending {@link StreamLines.next} resolves `undefined`); idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#chunk = EMPTY;
    this.#carry = [];
    this.#input.off('readable', this.#onReadable);
    this.#input.off('end', this.#onEnd);
    this.#input.off('error', this.#onError);
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #take(chunk: Buffer): void {
    this.#chunk = chunk;
    this.#at = 0;
    if (this.#afterCr && chunk.length > 0) {
      this.#afterCr = false;
      if (chunk[0] === LF) this.#at = 1;
    }
    this.#nextCr = chunk.indexOf(CR, this.#at);
  }

  /** The next whole line of the chunk in hand (with the carried start), or `undefined`. */
  #lineInChunk(): string | undefined {
    const chunk = this.#chunk;
    const start = this.#at;
    if (start >= chunk.length) return undefined;
    let end = chunk.indexOf(LF, start);
    let next = end + 1;
    if (this.#nextCr !== -1 && this.#nextCr < start) this.#nextCr = chunk.indexOf(CR, start);
    const cr = this.#nextCr;
    if (cr !== -1 && (end === -1 || cr < end)) {
      end = cr;
      next = cr + 1;
      if (next === chunk.length) this.#afterCr = true;
      else if (chunk[next] === LF) next++;
    }
    if (end === -1) {
      // A copy: the stream may reuse the chunk's memory once it handed out the next one.
      this.#carry.push(Buffer.from(chunk.subarray(start)));
      this.#at = chunk.length;
      return undefined;
    }
    this.#at = next;
    const carry = this.#carry;
    if (carry.length === 0) return chunk.toString('utf8', start, end);
    this.#carry = [];
    carry.push(chunk.subarray(start, end));
    return Buffer.concat(carry).toString();
  }
}
