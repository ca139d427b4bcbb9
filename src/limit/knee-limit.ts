import * as validate from '../internal/validate.js';
import { CallLog } from './call-log.js';
import { type LatencySummary, summarizeLatencies } from './latency-summary.js';
import {
  type AlgorithmBoundsOptions,
  clampLimit,
  type LimitAlgorithm,
  type LimitBounds,
  type LimitController,
  type LimitSample,
} from './limit-algorithm.js';
import { limitAlgorithm, parseAlgorithmBounds } from './limit-bounds.js';

/**
 * Options of {@link kneeLimit}: how the limit moves; the defaults suit calls from ~1 ms to
 * minutes. Its bounds are the stage's (`min`, `max`, `initial` here are deprecated; see
 * {@link AlgorithmBoundsOptions}).
 */
export interface KneeLimitOptions extends AlgorithmBoundsOptions {
  /** Latency inflation over the baseline that is tolerated (0.1 = +10 %). @default 0.1 */
  margin?: number;
  /** How many standard errors an inflation must exceed the margin by to count. @default 0.5 */
  z?: number;
  /**
   * A window closes early when its inflation exceeds the threshold by this many more
   * standard errors (`Infinity` turns early closing off). Checked at every 4th sample from the
   * 8th on, once the window has been open `windowMinMs` and a baseline exists. @default 0.5
   */
  earlyZ?: number;
  /**
   * Most samples a window waits for: it closes after `min(windowSamples, target)` samples
   * (and `windowMinMs`), where the target is one sample per admitted call, at least 8, and in
   * slow start half a sample per admitted call, at least 4. So a window is `windowSamples`
   * long only from a limit of `windowSamples` up (twice that in slow start). @default 32
   */
  windowSamples?: number;
  /** A window stays open at least this long. @default 1000 */
  windowMinMs?: number;
  /** A window closes after this long if it has at least 3 samples. @default 60000 (1 min) */
  windowMaxMs?: number;
  /** Samples per baseline block (a block also lasts at least `windowMinMs`). @default 32 */
  blockSamples?: number;
  /** The baseline is the lowest block median over this horizon. @default 600000 (10 min) */
  horizonMs?: number;
  /**
   * A rise of the median over the baseline smaller than this is never congestion: below it,
   * what a clock measures is the client's own scheduling (timer and event-loop jitter, GC),
   * not a queue at the service. @default 1
   */
  minRiseMs?: number;
  /**
   * The in-flight age signal (needs a caller that reports starts, as `adaptiveMap` does):
   * when most of the newest calls that had time to finish are still in flight, and their
   * median latency (a call in flight counted with its age) exceeds the baseline by the
   * margin plus `z + ageZ` standard errors, the limit steps down before they finish.
   * `Infinity` turns it off; 3 is the setting measured in `docs/benchmarks.md`.
   * @default Infinity (off)
   */
  ageZ?: number;
  /** Factor applied on a drop, at most once per loss epoch. @default 0.7 */
  backoff?: number;
  /** Fraction of the way to the computed target a decrease goes (1 = deadbeat). @default 1 */
  smoothing?: number;
  /**
   * Growth needs the window's peak in-flight to reach this fraction of the limit; growth never
   * goes beyond twice that peak. @default 0.8
   */
  utilization?: number;
  /** Called with every window's decision (for logs, plots and tests). */
  onDecision?: (decision: KneeDecision) => void;
}

/** The record of one closed window of {@link kneeLimit}. */
export interface KneeDecision {
  /** Clock time the window closed (or the cut happened). */
  readonly now: number;
  /** What the limit did: grew, decreased on inflated latency, held, or was cut on a drop. */
  readonly action: 'grow' | 'decrease' | 'hold' | 'cut';
  /** The limit before the decision. */
  readonly limitBefore: number;
  /** The limit after it. */
  readonly limit: number;
  /** Still in slow start (doubling) after the decision. */
  readonly slowStart: boolean;
  /** Samples in the window. */
  readonly samples: number;
  /** The window's median latency, in ms. */
  readonly p50Ms: number | undefined;
  /** The latency baseline, in ms. */
  readonly baselineMs: number | undefined;
  /** p50 / baseline − 1. */
  readonly inflation: number | undefined;
  /** The inflation the window had to exceed to count as congested. */
  readonly threshold: number | undefined;
  /** Drops in the window. */
  readonly drops: number;
  /** The most calls in flight during the window. */
  readonly peakInFlight: number;
  /**
   * When the in-flight age signal showed congestion: the median latency of the recent calls,
   * each call still in flight counted with its age (a lower bound).
   */
  readonly agedP50Ms: number | undefined;
  /**
   * The window was as slow as the one before, though the limit had been lowered for it: the
   * rise was not this client's queue, so the window became the new baseline instead.
   */
  readonly rebased: boolean;
}

interface Block {
  readonly at: number;
  readonly summary: LatencySummary;
}

/**
 * The defaults of {@link KneeLimitOptions}, each with why. They were checked on the
 * simulation of `bench/adaptive-sim.ts` (figures in `docs/benchmarks.md`).
 */
const DEFAULTS = Object.freeze({
  /** +10 %: the latency paid for running near capacity (a larger margin buys throughput). */
  margin: 0.1,
  /** Half a standard error on top of the margin: a window of noise alone seldom clears it. */
  z: 0.5,
  /** Half an error more for early closes: σ = 0.6 goodput 0.98–0.99 with them, 0.93–0.94 without. */
  earlyZ: 0.5,
  /** Off: on the simulation it reacted sooner to a capacity drop but lowered σ = 0.6 goodput. */
  ageZ: Number.POSITIVE_INFINITY,
  /** 1 ms: below it a clock measures the client's own jitter (timers, event loop, GC). */
  minRiseMs: 1,
  /** 32 samples: the median's standard error is then about a fifth of the spread (1.25 / √32). */
  windowSamples: 32,
  /** 1 s: fast calls decide once a second, not every few milliseconds of jitter. */
  windowMinMs: 1000,
  /** 1 min: the longest a decision waits for samples when calls are rare. */
  windowMaxMs: 60_000,
  /** As many as a window, so a block median and a window median carry like errors. */
  blockSamples: 32,
  /** 10 min: a faster past stops being the reference after that, so a lasting slowdown is re-learned. */
  horizonMs: 600_000,
  /** ×0.7 once per loss epoch: one cut must undo an overshoot (AIMD's ×0.9 cuts per drop). */
  backoff: 0.7,
  /** Deadbeat: a decrease goes straight to where Little's law says the queue vanishes. */
  smoothing: 1,
  /** 80 %: a limit never nearly used was not the bottleneck, so it must not grow. */
  utilization: 0.8,
});

/** Latencies kept per window and per baseline block; more samples than this keep the newest. */
const RING = 128;
/** Fewest calls a window or an in-flight age cohort judges by once slow start is over. */
const MIN_COHORT = 8;
/** Fewest samples a slow-start window closes on: doubling early matters more than precision. */
const SLOW_START_MIN_WINDOW = 4;
/** Samples per admitted call a slow-start window waits for: half, so doubling is not held up. */
const SLOW_START_SAMPLES_PER_CALL = 0.5;
/** Early closing and the in-flight age signal are checked every this many successes (each sorts a sample). */
const CHECK_EVERY = 4;
/** Fewest samples a window closes on when `windowMaxMs` runs out: with fewer, one outlier is the median. */
const MIN_TIMED_OUT_WINDOW = 3;
/** The in-flight wait estimate by Little's law may raise the cohort's median at most this much. */
const WAIT_ESTIMATE_CAP = 2;
/** The largest one-step decrease: to half the limit, so one noisy window cannot collapse it. */
const MAX_STEP = 0.5;
/** The largest step the in-flight age signal alone takes (its median is a lower bound). */
const AGE_STEP = 0.7;
/** Growth stops at this multiple of the window's peak in flight: slow start doubles what was used. */
const MAX_GROWTH_OVER_PEAK = 2;

/**
 * The default limit algorithm of `adaptiveMap`: it looks for the knee where latency starts to
 * rise, not the cliff where the service starts to reject. It only moves the limit; the stage
 * that creates its controller sets the bounds (`min`, `max`, `initial`).
 *
 * In plain words: every call's latency goes into a window; a window closes on sample count
 * and time (never discarding samples, so it works at 2 calls/s as at 20,000): after
 * `min(windowSamples, target)` samples and `windowMinMs`, where the target is one sample per
 * admitted call (at least 8; in slow start half as many, at least 4), or after `windowMaxMs`
 * with at least 3. The baseline is the lowest median of `blockSamples` (32) blocks over the
 * last `horizonMs` (10 minutes), scored by median plus one standard error, so noise does not
 * drag it down; there is none before the first block is full. When a window's median is above
 * the baseline by more than `margin` plus `z` standard errors, the limit drops in one step to
 * where the queue would vanish (deadbeat: limit × (1 + margin) × baseline / median, at most
 * halving); a window whose rise is already clear (by `earlyZ` more) closes early, checked every
 * 4th sample from the 8th. A rise of less than `minRiseMs` (1 ms) never counts: below that a
 * clock measures the client's own jitter, not a queue. A rise larger than the calls in flight
 * could queue (the median above n × (1 + margin) × baseline with at most n calls of ours in
 * flight) is the service's own slowdown: instead of lowering the limit, the controller
 * forgets its baseline, learns it again from calls started from then on, and re-enters slow
 * start. Otherwise, if the limit was actually used (the window's peak in flight reached
 * `utilization` of it) and the window saw no drop, it grows: doubling in slow start until the
 * first congestion signal, then by √limit per window, never beyond twice that peak. A drop
 * cuts it by `backoff`, at most once per loss epoch. Each window only counts calls started
 * after the last change, so every decision sees the effect of the one before. `[min, max]`
 * always holds.
 *
 * Opt-in (`ageZ`, off by default): with a caller that reports starts (`onStart`, as
 * `adaptiveMap` does), calls still in flight count too, each with its age as a lower bound
 * of its latency. When most of the newest calls that had time to finish are still in flight
 * and the median of these bounds is significantly above the baseline, the limit steps down
 * before they finish (by at most `AGE_STEP`, to the Little's-law estimate of their wait).
 * Tried for a faster reaction to a capacity drop; see `docs/benchmarks.md` for why it is
 * not the default.
 *
 * @throws `TypeError` / `RangeError` at once for a bad option; `create()` throws an
 * `InvalidOptionValueError` for bounds that contradict the deprecated `min` / `max` /
 * `initial` options.
 * @example
 * ```ts
 * const solve = adaptiveMap(solveOne, { max: 50, algorithm: kneeLimit({ windowMinMs: 200 }) });
 *
 * // The controller on its own (a stage makes its own the same way, with its bounds):
 * const controller = kneeLimit().create({ min: 1, max: 50, initial: 4 });
 * controller.onSample({ latencyMs: 9_800, outcome: 'success', inFlight: 4, now: 10_000 });
 * controller.limit; // 4 until a window closes
 * ```
 */
export function kneeLimit(options: KneeLimitOptions = {}): LimitAlgorithm {
  validate.object('options', options);
  const num = (name: keyof KneeLimitOptions, fallback: number, min: number, max?: number) =>
    validate.optional(options[name], fallback, (v) =>
      validate.number(name, v, max === undefined ? { min } : { min, max }),
    );
  const int = (name: keyof KneeLimitOptions, fallback: number, min: number) =>
    validate.optional(options[name], fallback, (v) => validate.integer(name, v, { min }));
  const config: KneeConfig = {
    margin: num('margin', DEFAULTS.margin, 0, 10),
    z: num('z', DEFAULTS.z, 0, 10),
    earlyZ: validate.optional(options.earlyZ, DEFAULTS.earlyZ, (v) =>
      validate.number('earlyZ', v, { min: 0, allowInfinity: true }),
    ),
    ageZ: validate.optional(options.ageZ, DEFAULTS.ageZ, (v) =>
      validate.number('ageZ', v, { min: 0, allowInfinity: true }),
    ),
    minRiseMs: num('minRiseMs', DEFAULTS.minRiseMs, 0),
    windowSamples: int('windowSamples', DEFAULTS.windowSamples, MIN_TIMED_OUT_WINDOW),
    windowMinMs: num('windowMinMs', DEFAULTS.windowMinMs, 0),
    windowMaxMs: num('windowMaxMs', DEFAULTS.windowMaxMs, 0),
    blockSamples: int('blockSamples', DEFAULTS.blockSamples, MIN_TIMED_OUT_WINDOW),
    horizonMs: num('horizonMs', DEFAULTS.horizonMs, 0),
    backoff: num('backoff', DEFAULTS.backoff, 0.1, 0.99),
    smoothing: num('smoothing', DEFAULTS.smoothing, 0.05, 1),
    utilization: num('utilization', DEFAULTS.utilization, 0, 1),
    onDecision: validate.optional(options.onDecision, undefined, (v) =>
      validate.func<(d: KneeDecision) => void>('onDecision', v),
    ),
  };
  return limitAlgorithm(
    'knee',
    parseAlgorithmBounds(options),
    (bounds) => new KneeController(config, bounds),
  );
}

interface KneeConfig {
  readonly margin: number;
  readonly z: number;
  readonly earlyZ: number;
  readonly ageZ: number;
  readonly minRiseMs: number;
  readonly windowSamples: number;
  readonly windowMinMs: number;
  readonly windowMaxMs: number;
  readonly blockSamples: number;
  readonly horizonMs: number;
  readonly backoff: number;
  readonly smoothing: number;
  readonly utilization: number;
  readonly onDecision: ((d: KneeDecision) => void) | undefined;
}

class KneeController implements LimitController {
  limit: number;
  private slowStart = true;
  private lastChangeAt = Number.NEGATIVE_INFINITY;
  private lastCutAt = Number.NEGATIVE_INFINITY;
  // The current window: latencies of calls started after the last change, so every decision
  // sees the effect of the one before it.
  private windowOpenedAt = Number.NaN;
  private readonly window = new Float64Array(RING);
  private windowCount = 0;
  private windowPeak = 0;
  private windowDrops = 0;
  /** Highest in-flight count of any sample since the window opened (counted or not). */
  private openPeak = 0;
  // Baseline blocks.
  private readonly block = new Float64Array(RING);
  private blockCount = 0;
  private blockOpenedAt = Number.NaN;
  private readonly blocks: Block[] = [];
  private base: LatencySummary | undefined;
  private lastNow = 0;
  /** Only calls started at or after this time go into baseline blocks. */
  private rebasedAt = Number.NEGATIVE_INFINITY;
  // Calls reported by `onStart` (none until the first), for the in-flight age signal.
  private calls: CallLog | undefined;
  private samplesSinceAgeCheck = 0;

  constructor(
    private readonly config: KneeConfig,
    private readonly bounds: LimitBounds,
  ) {
    this.limit = clampLimit(bounds.initial, bounds);
  }

  get baselineMs(): number | undefined {
    return this.currentBaseline(this.lastNow)?.median;
  }

  onStart(now: number): void {
    if (!Number.isFinite(this.config.ageZ)) return;
    this.calls ??= new CallLog();
    this.calls.started(now);
  }

  onSample(sample: LimitSample): number {
    const { now, latencyMs, outcome } = sample;
    this.lastNow = now;
    this.calls?.finished(sample.startedAt ?? now - latencyMs, latencyMs);
    if (sample.inFlight > this.openPeak) this.openPeak = sample.inFlight;
    if (Number.isNaN(this.windowOpenedAt)) this.windowOpenedAt = now;
    if (outcome === 'drop') {
      this.windowDrops++;
      if (now - latencyMs > this.lastCutAt) this.cut(now, sample.inFlight);
      return this.limit;
    }
    if (outcome !== 'success') return this.limit;
    if (now - latencyMs >= this.rebasedAt) this.addToBlock(latencyMs, now);
    if (now - latencyMs >= this.lastChangeAt) {
      this.window[this.windowCount % RING] = latencyMs;
      this.windowCount++;
      if (sample.inFlight > this.windowPeak) this.windowPeak = sample.inFlight;
    }
    const open = now - this.windowOpenedAt;
    if (
      this.windowCount >= MIN_COHORT &&
      this.windowCount % CHECK_EVERY === 0 &&
      this.earlyCongestion(now, open)
    ) {
      this.closeWindow(now);
      return this.limit;
    }
    if (
      this.calls !== undefined &&
      ++this.samplesSinceAgeCheck >= CHECK_EVERY &&
      open >= this.config.windowMinMs
    ) {
      this.samplesSinceAgeCheck = 0;
      if (this.agedCongestion(now) !== undefined) {
        this.closeWindow(now);
        return this.limit;
      }
    }
    if (
      (this.windowCount >= this.windowTarget() && open >= this.config.windowMinMs) ||
      (this.windowCount >= MIN_TIMED_OUT_WINDOW && open >= this.config.windowMaxMs)
    ) {
      this.closeWindow(now);
    }
    return this.limit;
  }

  /**
   * Samples a window needs: one per admitted call (at least 8; in slow start half a sample
   * per call, at least 4), capped at `windowSamples`, since 32 samples at a limit of 8 and
   * 10 s calls would be a 40 s window.
   */
  private windowTarget(): number {
    const { windowSamples } = this.config;
    return this.slowStart
      ? Math.min(
          windowSamples,
          Math.max(SLOW_START_MIN_WINDOW, Math.floor(this.limit * SLOW_START_SAMPLES_PER_CALL)),
        )
      : Math.min(windowSamples, Math.max(MIN_COHORT, Math.floor(this.limit)));
  }

  /**
   * A window may close before it is full when its inflation is already significant by
   * `earlyZ` more standard errors: at 2 calls/s, waiting for 32 samples would add 15 s to the
   * reaction to a capacity drop. Only a decrease can come of it, never growth.
   */
  private earlyCongestion(now: number, open: number): boolean {
    const { config } = this;
    if (!Number.isFinite(config.earlyZ) || open < config.windowMinMs) return false;
    const base = this.currentBaseline(now);
    if (base === undefined) return false;
    const win = summarizeLatencies(this.window, Math.min(this.windowCount, RING));
    const threshold =
      config.margin +
      (config.z + config.earlyZ) * Math.sqrt(win.relativeError ** 2 + base.relativeError ** 2);
    return this.risen(win.median, base.median, threshold);
  }

  /** Whether `median` is above the baseline by more than `threshold` and by `minRiseMs`. */
  private risen(median: number, baseMedian: number, threshold: number): boolean {
    return median / baseMedian - 1 > threshold && median - baseMedian > this.config.minRiseMs;
  }

  /**
   * The in-flight age signal: among the newest calls started after the last change that
   * have had time to finish within the congestion threshold, significantly more than half
   * took longer or are still in flight. Returns the cohort's median latency (a call in flight
   * counted with its age, so a lower bound), or `undefined` when there is no such rise.
   */
  private agedCongestion(now: number): number | undefined {
    const calls = this.calls;
    const base = this.currentBaseline(now);
    if (calls === undefined || base === undefined) return undefined;
    const { config } = this;
    const cohort = calls.cohort(
      now,
      this.lastChangeAt,
      base.median * (1 + config.margin),
      this.windowTarget(),
    );
    if (cohort === undefined || cohort.count < this.windowTarget()) return undefined;
    // Most of the cohort must still be in flight: the finished part is the early windows' job.
    if (cohort.inFlight <= cohort.count / 2) return undefined;
    const summary = summarizeLatencies(cohort.values, cohort.count);
    const threshold =
      config.margin +
      (config.z + config.ageZ) * Math.sqrt(summary.relativeError ** 2 + base.relativeError ** 2);
    if (!this.risen(summary.median, base.median, threshold)) return undefined;
    // The cohort's median is a lower bound (calls in flight count with their age so far). By
    // Little's law, calls in flight now take inFlight / throughput on average (throughput
    // measured over the last baseline latency), a mean, scaled to a median by the baseline's
    // median / mean; that estimate may raise the lower bound, up to a cap.
    const spanMs = Math.max(config.windowMinMs, base.median);
    const recent = calls.recent(now - spanMs);
    const waitMs =
      recent.finished > 0 && base.mean > 0
        ? ((recent.inFlight * spanMs) / recent.finished) * (base.median / base.mean)
        : Number.POSITIVE_INFINITY;
    return Math.max(summary.median, Math.min(waitMs, WAIT_ESTIMATE_CAP * summary.median));
  }

  private cut(now: number, inFlight: number): void {
    const before = this.limit;
    this.limit = clampLimit(before * this.config.backoff, this.bounds);
    this.slowStart = false;
    this.lastCutAt = now;
    this.lastChangeAt = now;
    this.emit(now, 'cut', before, undefined, undefined, undefined, Math.max(inFlight, 0));
    this.resetWindow(now);
  }

  private closeWindow(now: number): void {
    const { config } = this;
    const before = this.limit;
    const n = Math.min(this.windowCount, RING);
    const win = summarizeLatencies(this.window, n);
    const base = this.currentBaseline(now);
    let threshold: number | undefined;
    let inflation: number | undefined;
    let congested = false;
    let risenMs = 0;
    let target = before;
    const aged = this.calls === undefined ? undefined : this.agedCongestion(now);
    if (base !== undefined) {
      inflation = win.median / base.median - 1;
      threshold =
        config.margin + config.z * Math.sqrt(win.relativeError ** 2 + base.relativeError ** 2);
      const windowRisen = this.risen(win.median, base.median, threshold);
      // Calls still in flight can show a rise the finished ones do not show yet; a step on
      // their lower-bound median alone is capped at AGE_STEP.
      risenMs = Math.max(windowRisen ? win.median : 0, aged ?? 0);
      congested = windowRisen || aged !== undefined;
      const step = windowRisen ? MAX_STEP : AGE_STEP;
      const g = Math.min(1, Math.max(step, ((1 + config.margin) * base.median) / risenMs));
      target = g * before;
    }
    let action: KneeDecision['action'] = 'hold';
    let rebased = false;
    if (this.windowDrops > 0) {
      action = 'hold';
    } else if (
      congested &&
      risenMs > this.queueBound(before) * (1 + config.margin) * (base?.median ?? 0)
    ) {
      // With n calls of ours in flight, each waits behind at most n - 1 of ours: a rise
      // beyond that is the service's own (it got slower), not our queue. Lowering the limit
      // would not bring it back; learn the new latency instead, from slow start.
      rebased = true;
      this.rebase(now);
    } else if (congested) {
      const floor = Math.max(MAX_STEP * before, target);
      this.limit = clampLimit(before + config.smoothing * (floor - before), this.bounds);
      this.slowStart = false;
      action = 'decrease';
    } else if (this.windowPeak >= config.utilization * Math.floor(before)) {
      const step = this.slowStart ? before : Math.max(1, Math.sqrt(before));
      this.limit = clampLimit(
        Math.min(before + step, MAX_GROWTH_OVER_PEAK * this.windowPeak),
        this.bounds,
      );
      action = 'grow';
    }
    if (this.limit !== before) this.lastChangeAt = now;
    this.emit(now, action, before, win, base, { inflation, threshold, aged, rebased });
    this.resetWindow(now);
  }

  private emit(
    now: number,
    action: KneeDecision['action'],
    limitBefore: number,
    win: LatencySummary | undefined,
    base: LatencySummary | undefined,
    extra:
      | {
          inflation?: number | undefined;
          threshold?: number | undefined;
          aged?: number | undefined;
          rebased?: boolean;
        }
      | undefined,
    peak = this.windowPeak,
  ): void {
    const listener = this.config.onDecision;
    if (!listener) return;
    listener({
      now,
      action,
      limitBefore,
      limit: this.limit,
      slowStart: this.slowStart,
      samples: this.windowCount,
      p50Ms: win?.median,
      baselineMs: base?.median,
      inflation: extra?.inflation,
      threshold: extra?.threshold,
      drops: this.windowDrops,
      peakInFlight: peak,
      agedP50Ms: extra?.aged,
      rebased: extra?.rebased ?? false,
    });
  }

  private resetWindow(now: number): void {
    this.windowOpenedAt = now;
    this.windowCount = 0;
    this.windowPeak = 0;
    this.openPeak = 0;
    this.windowDrops = 0;
  }

  /** The most calls of ours that can have been in flight during this window. */
  private queueBound(limit: number): number {
    return Math.max(1, Math.floor(limit), this.openPeak);
  }

  /**
   * Forgets the baseline and re-enters slow start. The next baseline comes from calls started
   * from now on (a block of the first calls to finish among those already in flight would be
   * the fastest ones, too low a baseline).
   */
  private rebase(now: number): void {
    this.slowStart = true;
    this.rebasedAt = now;
    this.blocks.length = 0;
    this.blockCount = 0;
    this.blockOpenedAt = Number.NaN;
    this.base = undefined;
  }

  private addToBlock(latencyMs: number, now: number): void {
    if (Number.isNaN(this.blockOpenedAt)) this.blockOpenedAt = now;
    this.block[this.blockCount % RING] = latencyMs;
    this.blockCount++;
    // The first block closes on count alone, so an early latency rise cannot leak into the
    // baseline; later ones also last `windowMinMs`, which bounds their number at high rates.
    if (
      this.blockCount >= this.config.blockSamples &&
      (this.blocks.length === 0 || now - this.blockOpenedAt >= this.config.windowMinMs)
    ) {
      const summary = summarizeLatencies(this.block, Math.min(this.blockCount, RING));
      this.blocks.push({ at: now, summary });
      this.blockCount = 0;
      this.blockOpenedAt = now;
      this.base = undefined;
    }
  }

  /** Lowest block median within the horizon; none before the first block closes. */
  private currentBaseline(now: number): LatencySummary | undefined {
    const { blocks } = this;
    const oldest = now - this.config.horizonMs;
    // Keep at least the newest block so the baseline never disappears during a lull.
    while (blocks.length > 1 && blocks[0]!.at < oldest) {
      blocks.shift();
      this.base = undefined;
    }
    if (this.base) return this.base;
    let best: LatencySummary | undefined;
    // The lowest of many noisy medians is biased low (by ~2.5 SE over 100 blocks); pick the
    // block whose median plus one standard error is lowest instead.
    let bestScore = Number.POSITIVE_INFINITY;
    for (const b of blocks) {
      const score = b.summary.median * (1 + b.summary.relativeError);
      if (score < bestScore) {
        bestScore = score;
        best = b.summary;
      }
    }
    // No baseline before the first full block: a median of a handful of calls once cut slow
    // start short at 8 and cost minutes of linear growth (held-out seed 6 of the simulation).
    if (best) this.base = best;
    return best;
  }
}
