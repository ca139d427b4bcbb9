/**
 * How `backpressure-kit solve` shows progress: a live view redrawn in place on a terminal
 * (log-update, colours through picocolors, which honours `NO_COLOR`), a plain log line every
 * few seconds elsewhere, NDJSON samples on stderr for `--progress json`, or nothing.
 */
import { createLogUpdate } from 'log-update';
import pc from 'picocolors';
import { bar, formatCounts, formatDuration, formatRate } from './format.js';
import type { ProgressSample } from './run-stats.js';
import type { ProgressMode } from './solve-options.js';

/** A way of showing progress; the command calls `update` on every tick and `done` once. */
export interface ProgressView {
  /** Milliseconds between ticks. */
  readonly intervalMs: number;
  update(sample: ProgressSample): void;
  /** The last update; the live view is left on screen as it was last drawn. */
  done(sample: ProgressSample): void;
  /** A message between updates (printed above a live view). */
  note(line: string): void;
}

/** Where views write. */
export interface ViewStreams {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

const BREAKER_COLOUR = {
  closed: pc.green,
  'half-open': pc.yellow,
  open: pc.red,
  isolated: pc.red,
} as const;

function progressLine(s: ProgressSample): string {
  const total = s.total === undefined ? '' : `/${s.total}`;
  const share =
    s.total === undefined || s.total === 0 ? '' : `  ${Math.floor((100 * s.done) / s.total)}%`;
  const eta = s.etaMs === undefined ? '' : `  ETA ${formatDuration(s.etaMs)}`;
  const meter = s.total === undefined ? '' : `${bar(s.done, s.total, 30)} `;
  return `${meter}${s.done}${total}${share}  ${formatRate(s.ratePerSecond)}${eta}  (${formatDuration(s.elapsedMs)})`;
}

/** The lines of the live view, without colour when `colour` is false. */
export function liveViewLines(s: ProgressSample): string[] {
  const queueName = s.queue.kind === 'shed' ? 'shed' : 'buffer';
  const waited =
    s.queue.kind === 'buffer' ? `  producer waited ${formatDuration(s.queue.producerWaitMs)}` : '';
  return [
    progressLine(s),
    `queue      ${bar(s.queue.depth, s.queue.capacity, 20)} ${s.queue.depth}/${s.queue.capacity} (${queueName}, peak ${s.queue.peak})${waited}`,
    `in flight  ${bar(s.inFlight, s.max, 20)} ${s.inFlight} / limit ${s.limit} (max ${s.max}, peak ${s.peakInFlight})`,
    `drops      ${s.queue.kind === 'shed' ? `full ${s.queue.dropped.full}, evicted ${s.queue.dropped.evicted}` : 'none (buffer: the reader waits instead)'}`,
    `breaker    ${BREAKER_COLOUR[s.breaker](s.breaker)}`,
    `retries    ${s.retries}  resubmits ${s.resubmits}  overloads ${s.overloads}  submits ${s.submits}`,
    `records    ${pc.green(`solved ${s.solved}`)}  ${s.failed > 0 ? pc.red(`failed ${s.failed}`) : 'failed 0'}  dropped ${s.dropped}  rejected ${s.rejected}  skipped ${s.skipped}`,
  ];
}

/** The one-line form, for logs. */
export function plainLine(s: ProgressSample): string {
  const total = s.total === undefined ? '' : `/${s.total}`;
  return `[${formatDuration(s.elapsedMs)}] ${s.done}${total} done (solved ${s.solved}, failed ${s.failed}, dropped ${s.dropped}, rejected ${s.rejected}, skipped ${s.skipped}) | ${formatRate(s.ratePerSecond)} | queue ${s.queue.depth}/${s.queue.capacity} | in flight ${s.inFlight}/${s.limit} | breaker ${s.breaker} | retries ${s.retries} resubmits ${s.resubmits} | failed by kind: ${formatCounts(s.failedByKind)}`;
}

class LiveView implements ProgressView {
  readonly intervalMs = 200;
  readonly #render: ReturnType<typeof createLogUpdate>;
  readonly #stream: NodeJS.WriteStream;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
    this.#render = createLogUpdate(stream, { showCursor: false });
  }

  update(sample: ProgressSample): void {
    this.#render(liveViewLines(sample).join('\n'));
  }

  done(sample: ProgressSample): void {
    this.update(sample);
    this.#render.done();
  }

  note(line: string): void {
    this.#render.clear();
    this.#stream.write(`${line}\n`);
  }
}

class PlainView implements ProgressView {
  readonly intervalMs: number;
  readonly #stream: NodeJS.WriteStream;

  constructor(stream: NodeJS.WriteStream, intervalMs: number) {
    this.#stream = stream;
    this.intervalMs = intervalMs;
  }

  update(sample: ProgressSample): void {
    this.#stream.write(`${plainLine(sample)}\n`);
  }

  done(sample: ProgressSample): void {
    this.update(sample);
  }

  note(line: string): void {
    this.#stream.write(`${line}\n`);
  }
}

class JsonView implements ProgressView {
  readonly intervalMs: number;
  readonly #stream: NodeJS.WriteStream;
  readonly #notes: (line: string) => void;

  constructor(stream: NodeJS.WriteStream, intervalMs: number, notes: (line: string) => void) {
    this.#stream = stream;
    this.intervalMs = intervalMs;
    this.#notes = notes;
  }

  update(sample: ProgressSample): void {
    this.#stream.write(`${JSON.stringify({ type: 'progress', ...sample })}\n`);
  }

  done(sample: ProgressSample): void {
    this.#stream.write(`${JSON.stringify({ type: 'done', ...sample })}\n`);
  }

  note(line: string): void {
    this.#notes(line);
  }
}

/** No progress; notes (rejects, the metrics URL, Ctrl-C) still print unless `quiet`. */
class NoProgressView implements ProgressView {
  readonly intervalMs = 60_000;
  readonly #note: (line: string) => void;

  constructor(note: (line: string) => void) {
    this.#note = note;
  }

  update(): void {}
  done(): void {}
  note(line: string): void {
    this.#note(line);
  }
}

/**
 * Picks the view for `mode`: `auto` is the live view when stdout is a terminal (with a size)
 * and plain lines otherwise; `quiet` shows nothing (but `--progress json` still writes its samples).
 *
 * @example
 * ```ts
 * const view = createProgressView('auto', { quiet: false, intervalMs: undefined }, process);
 * ```
 */
export function createProgressView(
  mode: ProgressMode,
  options: { quiet: boolean; intervalMs: number | undefined },
  streams: ViewStreams,
): ProgressView {
  // A terminal that reports no rows (some pseudo-terminals) would show log-update nothing.
  const isTerminal = streams.stdout.isTTY === true && (streams.stdout.rows ?? 0) > 0;
  const resolved = mode === 'auto' ? (isTerminal ? 'tty' : 'plain') : mode;
  const quietView = new NoProgressView(() => {});
  switch (resolved) {
    case 'json':
      return new JsonView(
        streams.stderr,
        options.intervalMs ?? 1_000,
        options.quiet ? () => {} : (line) => streams.stdout.write(`${line}\n`),
      );
    case 'none':
      return options.quiet
        ? quietView
        : new NoProgressView((line) => streams.stdout.write(`${line}\n`));
    case 'tty':
      return options.quiet ? quietView : new LiveView(streams.stdout);
    default:
      return options.quiet ? quietView : new PlainView(streams.stdout, options.intervalMs ?? 2_000);
  }
}
