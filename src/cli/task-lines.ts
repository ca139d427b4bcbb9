/**
 * Reads a JSON Lines file of tasks one line at a time (no line is held after it is handed on;
 * only the ids seen are kept, in a compact {@link TaskIdSet}, to refuse duplicates): each line becomes a task with an id, a
 * reject with the reason, or a skip when the results file already holds that id.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Task } from '../solver/task.js';
import { validateTask } from '../solver/validate-task.js';
import type { TaskId } from './solve-record.js';
import { StreamLines } from './stream-lines.js';
import { type TaskIdCollection, type TaskIdLookup, TaskIdSet } from './task-id-set.js';

/** A task read from the input, with its id (its own, or its line number). */
export type IdentifiedTask = Task & { readonly id: TaskId };

/** What one line of the input became. */
export type TaskLine =
  | { readonly kind: 'task'; readonly line: number; readonly task: IdentifiedTask }
  | {
      readonly kind: 'reject';
      readonly line: number;
      readonly id?: TaskId;
      readonly reason: string;
    }
  | { readonly kind: 'skip'; readonly line: number; readonly id: TaskId };

const MAX_REASON = 200;

function shorten(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text;
}

/**
 * Turns one line into a task or a reject. `seen` holds the ids read so far (the line's id is
 * added when it is a task); `recorded` the ids the results file already holds.
 *
 * @example
 * ```ts
 * parseTaskLine('{"type":"turnstile"}', 3, new Set(), new Set());
 * // { kind: 'reject', line: 3, reason: 'Invalid task: expected `sitekey` …' }
 * ```
 */
export function parseTaskLine(
  text: string,
  line: number,
  seen: TaskIdCollection,
  recorded: TaskIdLookup,
): TaskLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'reject', line, reason: shorten(`not JSON: ${(error as Error).message}`) };
  }
  const ownId = (value as { id?: unknown } | null)?.id;
  const id = typeof ownId === 'string' || typeof ownId === 'number' ? ownId : undefined;
  try {
    validateTask(value);
  } catch (error) {
    return {
      kind: 'reject',
      line,
      ...(id === undefined ? {} : { id }),
      reason: shorten((error as Error).message),
    };
  }
  const task = (id === undefined ? { ...value, id: line } : value) as IdentifiedTask;
  if (recorded.has(task.id)) return { kind: 'skip', line, id: task.id };
  if (seen.has(task.id)) {
    return {
      kind: 'reject',
      line,
      id: task.id,
      reason: `duplicate id ${JSON.stringify(task.id)}: an earlier line has the same id`,
    };
  }
  seen.add(task.id);
  return { kind: 'task', line, task };
}

/**
 * Streams the lines of a task file (or standard input for `-`), yielding what each non-blank
 * line became. {@link TaskLineReader.close} stops reading: the iteration ends after the line
 * in hand (this is how Ctrl-C stops the input).
 *
 * @example
 * ```ts
 * const reader = new TaskLineReader('tasks.jsonl', new Set());
 * for await (const entry of reader.lines()) if (entry.kind === 'task') use(entry.task);
 * ```
 */
export class TaskLineReader {
  readonly #path: string;
  readonly #stdin: Readable;
  readonly #recorded: TaskIdLookup;
  #input: Readable | undefined;
  #lines: StreamLines | undefined;
  #closed = false;
  #lineNumber = 0;

  constructor(path: string, recorded: TaskIdLookup, stdin: Readable = process.stdin) {
    this.#path = path;
    this.#stdin = stdin;
    this.#recorded = recorded;
  }

  /** Lines read so far, blank ones included. */
  get linesRead(): number {
    return this.#lineNumber;
  }

  /** Whether {@link TaskLineReader.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Yields what each non-blank line became, in file order. The file is opened here, not in the
   * constructor. Lines are decoded one at a time as they are asked for ({@link StreamLines}),
   * so the lines read ahead stay bytes. Rejects on a read error (a missing file).
   */
  async *lines(): AsyncGenerator<TaskLine> {
    if (this.#closed) return;
    const input = this.#path === '-' ? this.#stdin : createReadStream(this.#path);
    const lines = new StreamLines(input);
    this.#input = input;
    this.#lines = lines;
    // Every id of the input is kept for the whole run: compactly, so memory stays low.
    const seen = new TaskIdSet();
    try {
      for (let text = await lines.next(); text !== undefined; text = await lines.next()) {
        if (this.#closed) break;
        this.#lineNumber++;
        if (text.trim() === '') continue;
        yield parseTaskLine(text, this.#lineNumber, seen, this.#recorded);
      }
    } finally {
      seen.close();
      this.close();
    }
  }

  /** Stops reading; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#lines?.stop();
    if (this.#input !== undefined && this.#input !== this.#stdin) this.#input.destroy();
  }
}

/**
 * Counts the non-blank lines of a file without holding it (the progress bar's total).
 *
 * @example
 * ```ts
 * await countLines('tasks.jsonl'); // 200
 * ```
 */
export async function countLines(path: string): Promise<number> {
  let lines = 0;
  // Bytes of the current line other than a carriage return, so far.
  let content = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, start)) {
      content += at - start - (at > start && chunk[at - 1] === 0x0d ? 1 : 0);
      if (content > 0) lines++;
      content = 0;
      start = at + 1;
    }
    content += chunk.length - start;
  }
  return content > 0 ? lines + 1 : lines;
}
