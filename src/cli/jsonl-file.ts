/**
 * JSON Lines files the CLI appends to and resumes from: a writer that puts each record in the
 * file the moment it is written, or at the end of the event loop's turn (a `kill -9` loses
 * nothing already written), and a reader of the ids a results file already holds, which first
 * cuts off a torn last line left by a crash.
 */
import {
  closeSync,
  createReadStream,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { StreamLines } from './stream-lines.js';
import { TaskIdSet } from './task-id-set.js';

/** Queued bytes past which {@link JsonlWriter.queue} writes at once rather than at the end of the turn. */
const QUEUE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * Appends JSON records to a file, one line each, with synchronous writes: once a line is
 * written it is in the operating system's hands and survives the process being killed.
 * {@link JsonlWriter.write} writes at once; {@link JsonlWriter.queue} coalesces the records of
 * one turn of the event loop into one write at the end of that turn (a system call per turn, not
 * per record, and still no record waits for a later one to finish).
 *
 * A failed deferred write is thrown by the next `write`, `queue`, `flush` or `close`.
 *
 * @example
 * ```ts
 * const out = JsonlWriter.open('results.jsonl', { truncate: false });
 * out.write({ id: 't1', status: 'solved' }); // in the file now
 * out.queue({ id: 't2', status: 'solved' }); // in the file at the end of this turn
 * out.close(); // writes what is queued, then closes
 * ```
 */
export class JsonlWriter {
  #fd: number | undefined;
  #lines = 0;
  /** Lines queued and not written yet: their UTF-8 bytes, in `#queued[0, #queuedBytes)`. */
  #queued = Buffer.allocUnsafe(QUEUE_BYTES);
  #queuedBytes = 0;
  #flushAt: NodeJS.Immediate | undefined;
  #failure: { error: unknown } | undefined;
  readonly #flushNow = (): void => {
    this.#flushAt = undefined;
    try {
      this.#writeQueued();
    } catch (error) {
      this.#failure = { error };
    }
  };

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** Opens `path` for appending (`truncate: true` empties it first); creates it when missing. */
  static open(path: string, options: { truncate: boolean }): JsonlWriter {
    return new JsonlWriter(openSync(path, options.truncate ? 'w' : 'a'));
  }

  /** Lines written or queued through this writer. */
  get lines(): number {
    return this.#lines;
  }

  /** Writes one record as one line, now (after the lines queued before it). Throws after {@link JsonlWriter.close}. */
  write(record: object): void {
    this.writeMany([record]);
  }

  /** Writes records as lines, now, with one system call (after the lines queued before them). */
  writeMany(records: readonly object[]): void {
    this.#open();
    for (const record of records) this.#append(record);
    this.#writeQueued();
  }

  /**
   * Queues one record as one line, written with the others queued in this turn of the event
   * loop when the turn ends (`setImmediate`), or at once when the queue passes 64 KiB. Order
   * is kept with {@link JsonlWriter.write}. Throws after {@link JsonlWriter.close}.
   */
  queue(record: object): void {
    this.#open();
    this.#append(record);
    this.#flushAt ??= setImmediate(this.#flushNow);
  }

  /** Writes the queued lines now. */
  flush(): void {
    this.#open();
    this.#writeQueued();
  }

  /** Writes the queued lines and closes the file. Idempotent. */
  close(): void {
    if (this.#fd === undefined) return;
    try {
      this.#rethrow();
      this.#writeQueued();
    } finally {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }

  #open(): void {
    if (this.#fd === undefined) throw new Error('JsonlWriter: write after close');
    this.#rethrow();
  }

  #rethrow(): void {
    const failure = this.#failure;
    if (failure === undefined) return;
    this.#failure = undefined;
    throw failure.error;
  }

  /**
   * Queues one record's line as bytes in a buffer outside the JavaScript heap (its text is
   * garbage at once, never copied by a collection), writing the queue first when the line
   * might not fit. A line longer than the buffer is written on its own.
   */
  #append(record: object): void {
    const text = JSON.stringify(record);
    this.#lines++;
    // At most 3 bytes a UTF-16 unit, and the newline.
    const most = text.length * 3 + 1;
    if (this.#queuedBytes + most > QUEUE_BYTES) this.#writeBytes();
    if (most > QUEUE_BYTES) {
      this.#writeAll(Buffer.from(`${text}\n`));
      return;
    }
    this.#queuedBytes += this.#queued.write(text, this.#queuedBytes);
    this.#queued[this.#queuedBytes++] = NEWLINE;
  }

  #writeQueued(): void {
    if (this.#flushAt !== undefined) {
      clearImmediate(this.#flushAt);
      this.#flushAt = undefined;
    }
    this.#writeBytes();
  }

  #writeBytes(): void {
    if (this.#queuedBytes === 0 || this.#fd === undefined) return;
    const bytes = this.#queuedBytes;
    this.#queuedBytes = 0;
    this.#writeAll(this.#queued.subarray(0, bytes));
  }

  #writeAll(bytes: Uint8Array): void {
    if (this.#fd === undefined) return;
    for (let at = 0; at < bytes.length; ) at += writeSync(this.#fd, bytes, at);
  }
}

/** What {@link readRecordedIds} found in a results file. */
export interface RecordedIds {
  /** The id of every complete record (compact: a million ids cost under 10 MB of memory). */
  readonly ids: TaskIdSet;
  /** Complete records by `status`. */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Bytes of a torn last line that were cut off (0 when the file ended cleanly). */
  readonly tornBytes: number;
  /** Complete lines that were not a record with an id (left in place, not counted as done). */
  readonly unreadable: number;
}

const CHUNK = 64 * 1024;

/** Offset just past the last newline of an open file (0 when it has none). */
function endOfLastLine(fd: number, size: number): number {
  const chunk = Buffer.alloc(CHUNK);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - CHUNK);
    const read = readSync(fd, chunk, 0, end - start, start);
    const at = chunk.subarray(0, read).lastIndexOf(NEWLINE);
    if (at !== -1) return start + at + 1;
    end = start;
  }
  return 0;
}

/**
 * Cuts a torn last line (one without its newline, as a crash mid-write leaves) off `path`, so
 * records appended later start on a line of their own. Returns the bytes cut; a missing file
 * is left missing.
 */
export function cutTornLine(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  try {
    const { size } = fstatSync(fd);
    const end = endOfLastLine(fd, size);
    if (end < size) ftruncateSync(fd, end);
    return size - end;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the ids of the records already in a results file, streaming it line by line. A torn
 * last line is cut off first (that task is solved again); blank lines are ignored; lines that
 * are not JSON objects with an `id` are counted in `unreadable` and otherwise ignored.
 *
 * @example
 * ```ts
 * const { ids } = await readRecordedIds('results.jsonl');
 * if (ids.has('t1')) console.log('t1 is done');
 * ```
 */
export async function readRecordedIds(path: string): Promise<RecordedIds> {
  const tornBytes = cutTornLine(path);
  const ids = new TaskIdSet();
  const byStatus: Record<string, number> = {};
  let unreadable = 0;
  let input: ReturnType<typeof createReadStream>;
  try {
    input = createReadStream(path);
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', reject);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { ids, byStatus, tornBytes, unreadable };
    throw error;
  }
  // The same line reader as the input's: a long results file is decoded a line at a time.
  const lines = new StreamLines(input);
  try {
    for (let line = await lines.next(); line !== undefined; line = await lines.next()) {
      if (line.trim() === '') continue;
      let record: { id?: unknown; status?: unknown } | undefined;
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        record = undefined;
      }
      const id = record?.id;
      if (typeof id !== 'string' && typeof id !== 'number') {
        unreadable++;
        continue;
      }
      ids.add(id);
      const status = String(record?.status);
      byStatus[status] = (byStatus[status] ?? 0) + 1;
    }
  } finally {
    lines.stop();
    input.destroy();
  }
  return { ids, byStatus, tornBytes, unreadable };
}
