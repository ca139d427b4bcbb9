/**
 * Everything `backpressure-kit solve` counts while it runs, and the snapshot the live view,
 * the log lines, `--progress json` and the summary are drawn from.
 */

import type { SolveStageStats } from '../solver/solve-stage.js';
import type { BoundedBufferStats } from '../stages/bounded-buffer.js';
import type { ShedStats } from '../stages/shed.js';
import { DurationHistogram } from './duration-histogram.js';
import type { SolveRecord } from './solve-record.js';

/** The queue in front of the solver, as the view shows it. */
export interface QueueSample {
  readonly kind: 'buffer' | 'shed';
  readonly depth: number;
  readonly capacity: number;
  readonly peak: number;
  /** Milliseconds the reader waited on a full buffer (always 0 for `shed`: it never waits). */
  readonly producerWaitMs: number;
  readonly dropped: { readonly full: number; readonly evicted: number };
}

/** One snapshot of a run. */
export interface ProgressSample {
  readonly elapsedMs: number;
  /** Tasks in the input (non-blank lines), when the input is a file. */
  readonly total: number | undefined;
  /** Lines dealt with: records written, rejects and skips. */
  readonly done: number;
  readonly solved: number;
  readonly failed: number;
  readonly dropped: number;
  readonly rejected: number;
  /** Tasks skipped because the results file already had them. */
  readonly skipped: number;
  /** Records per second over the last few seconds. */
  readonly ratePerSecond: number;
  readonly etaMs: number | undefined;
  readonly queue: QueueSample;
  readonly inFlight: number;
  readonly peakInFlight: number;
  readonly limit: number;
  readonly max: number;
  readonly breaker: SolveStageStats['breaker'];
  /** The solver stage's counts, as its `stats()` gives them (see the counts table in `docs/solver.md`). */
  readonly submits: number;
  /** `solve()` calls made again after a `transient` failure. */
  readonly retries: number;
  /** `solve()` calls made again after an `unsolvable` answer. */
  readonly resubmits: number;
  /** `overload` / `rate-limited` answers (each a drop for the concurrency limit). */
  readonly overloads: number;
  readonly failedByKind: Readonly<Record<string, number>>;
  /**
   * Median and 95th percentile (nearest rank, within 1%) of `elapsedMs` over solved tasks, or
   * `undefined` before any.
   */
  readonly solveMs: { readonly p50: number; readonly p95: number } | undefined;
}

/** Where the counters of the pipeline's stages come from. */
export interface RunSources {
  readonly queue: () => BoundedBufferStats | ShedStats;
  readonly stage: () => SolveStageStats;
  readonly max: number;
  readonly now?: () => number;
}

const RATE_WINDOW_MS = 5_000;

/**
 * The run's counters. Record events go in through `record`, `reject` and `skip`; `observe`
 * notes peaks between samples (call it as tasks move); `sample` returns a snapshot.
 *
 * @example
 * ```ts
 * const stats = new RunStats({ queue: buffer.stats, stage: stage.stats, max: 50 });
 * stats.record(record);
 * console.log(stats.sample().solved);
 * ```
 */
export class RunStats {
  readonly #sources: RunSources;
  readonly #now: () => number;
  readonly #started: number;
  #total: number | undefined;
  #solved = 0;
  #failed = 0;
  #dropped = 0;
  #rejected = 0;
  #skipped = 0;
  #peakDepth = 0;
  #peakInFlight = 0;
  /** The queue's capacity, read from its first snapshot. */
  #depthCeiling: number | undefined;
  /** Solve times in constant memory: a sample never sorts the run's history. */
  readonly #solveTimes = new DurationHistogram();
  /** (time, records) pairs of recent samples, for the rate. */
  #history: { at: number; records: number }[] = [];

  constructor(sources: RunSources) {
    this.#sources = sources;
    this.#now = sources.now ?? (() => performance.now());
    this.#started = this.#now();
  }

  /** Sets the input's task count once known. */
  set total(total: number | undefined) {
    this.#total = total;
  }

  record(record: SolveRecord): void {
    if (record.status === 'solved') {
      this.#solved++;
      this.#solveTimes.add(record.elapsedMs);
    } else if (record.status === 'failed') this.#failed++;
    else this.#dropped++;
  }

  reject(): void {
    this.#rejected++;
  }

  skip(): void {
    this.#skipped++;
  }

  /**
   * Notes the queue depth and in-flight count now, so peaks between samples are not missed.
   * Called once per task: a peak already at its ceiling (the queue's capacity, `max`) cannot
   * grow, so the stages' `stats()` snapshots (objects built per call) are then not taken.
   */
  observe(): void {
    if (this.#depthCeiling === undefined || this.#peakDepth < this.#depthCeiling) {
      const queue = this.#sources.queue();
      this.#depthCeiling ??= 'capacity' in queue ? queue.capacity : queue.highWaterMark;
      if (queue.buffered > this.#peakDepth) this.#peakDepth = queue.buffered;
    }
    if (this.#peakInFlight < this.#sources.max) {
      const { inFlight } = this.#sources.stage();
      if (inFlight > this.#peakInFlight) this.#peakInFlight = inFlight;
    }
  }

  /**
   * A snapshot of the run now. `stats` passes the stages' snapshots already taken (by
   * `monitor()`); without it they are read from the sources.
   */
  sample(stats?: {
    queue: BoundedBufferStats | ShedStats;
    solve: SolveStageStats;
  }): ProgressSample {
    const now = this.#now();
    const queue = stats?.queue ?? this.#sources.queue();
    const stage = stats?.solve ?? this.#sources.stage();
    const records = this.#solved + this.#failed + this.#dropped;
    const done = records + this.#rejected + this.#skipped;
    this.#history.push({ at: now, records });
    while (this.#history.length > 2 && now - this.#history[1]!.at >= RATE_WINDOW_MS)
      this.#history.shift();
    const first = this.#history[0]!;
    const span = now - first.at;
    const ratePerSecond = span > 0 ? ((records - first.records) * 1000) / span : 0;
    const remaining = this.#total === undefined ? undefined : Math.max(0, this.#total - done);
    const isShed = 'capacity' in queue;
    this.#peakDepth = Math.max(this.#peakDepth, queue.buffered);
    this.#peakInFlight = Math.max(this.#peakInFlight, stage.inFlight);
    const p50 = this.#solveTimes.quantile(0.5);
    const p95 = this.#solveTimes.quantile(0.95);
    const solveMs = p50 === undefined || p95 === undefined ? undefined : { p50, p95 };
    return {
      elapsedMs: now - this.#started,
      total: this.#total,
      done,
      solved: this.#solved,
      failed: this.#failed,
      dropped: this.#dropped,
      rejected: this.#rejected,
      skipped: this.#skipped,
      ratePerSecond,
      etaMs:
        remaining === undefined || ratePerSecond <= 0
          ? undefined
          : (remaining / ratePerSecond) * 1000,
      queue: {
        kind: isShed ? 'shed' : 'buffer',
        depth: queue.buffered,
        capacity: isShed ? queue.capacity : queue.highWaterMark,
        peak: isShed ? this.#peakDepth : Math.max(this.#peakDepth, queue.peakBuffered),
        producerWaitMs: isShed ? 0 : queue.producerWaitMs,
        dropped: isShed
          ? { full: queue.droppedByReason.full, evicted: queue.droppedByReason.evicted }
          : { full: 0, evicted: 0 },
      },
      inFlight: stage.inFlight,
      peakInFlight: this.#peakInFlight,
      limit: stage.limit,
      max: this.#sources.max,
      breaker: stage.breaker,
      submits: stage.submits,
      retries: stage.retries,
      resubmits: stage.resubmits,
      overloads: stage.overloads,
      failedByKind: { ...stage.failedByKind },
      solveMs,
    };
  }
}
