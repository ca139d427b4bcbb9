import * as validate from '../internal/validate.js';
import { type LatencySummary, summarizeLatencies } from './latency-summary.js';
import {
  clampLimit,
  type Limit,
  type LimitBounds,
  type LimitBoundsOptions,
  type LimitController,
  type LimitSample,
  standaloneLimit,
} from './limit-algorithm.js';
import { parseLimitBounds } from './limit-bounds.js';

/** Options of {@link kneeLimit}; the defaults suit calls from ~1 ms to minutes. */
export interface KneeLimitOptions extends LimitBoundsOptions {
  /** Latency inflation over the baseline that is tolerated (0.1 = +10 %). @default 0.1 */
  margin?: number;
  /** How many standard errors an inflation must exceed the margin by to count. @default 0.5 */
  z?: number;
  /**
   * A window of 8 or more samples closes early when its inflation exceeds the threshold by
   * this many more standard errors (`Infinity` turns early closing off). @default 0.5
   */
  earlyZ?: number;
  /**
   * A window closes after this many samples (and `windowMinMs`); below this limit, after one
   * sample per admitted call (at least 8). @default 32
   */
  windowSamples?: number;
  /** A window stays open at least this long. @default 1000 */
  windowMinMs?: number;
  /** A window closes after this long if it has at least 3 samples. @default 60000 */
  windowMaxMs?: number;
  /** Samples per baseline block (a block also lasts at least `windowMinMs`). @default 32 */
  blockSamples?: number;
  /** The baseline is the lowest block median over this horizon. @default 600000 (10 min) */
  horizonMs?: number;
  /** Factor applied on a drop, at most once per loss epoch. @default 0.7 */
  backoff?: number;
  /** Fraction of the way to the computed target a decrease goes (1 = deadbeat). @default 1 */
  smoothing?: number;
  /** Growth needs the window's peak in-flight to reach this fraction of the limit. @default 0.8 */
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
}

interface Block {
  readonly at: number;
  readonly summary: LatencySummary;
}

const RING = 128;

/**
 * The default adaptive limit of `adaptiveMap`: it looks for the knee where latency starts to
 * rise, not the cliff where the service starts to reject.
 *
 * In plain words: every call's latency goes into a window; a window closes on sample count
 * and time (never discarding samples, so it works at 2 calls/s as at 20,000). The baseline is
 * the lowest median of 32-sample blocks over the last 10 minutes (scored by median plus one
 * standard error, so noise does not drag it down). When a window's median is above the
 * baseline by more than `margin` plus `z` standard errors, the limit drops in one step to
 * where the queue would vanish (deadbeat: limit × (1 + margin) × baseline / median, at most
 * halving); a window whose rise is already clear after 8 samples closes early. Otherwise, if
 * the limit was actually used, it grows: doubling in slow start
 * until the first congestion signal, then by √limit per window. A drop cuts it by `backoff`,
 * at most once per loss epoch. Each window only counts calls started after the last change,
 * so every decision sees the effect of the one before. `[min, max]` always holds.
 *
 * @throws `TypeError` / `RangeError` at once for a bad option.
 * @example
 * ```ts
 * const controller = kneeLimit({ max: 50 }); // or kneeLimit().create({ min: 1, max: 50, initial: 4 })
 * controller.onSample({ latencyMs: 9_800, outcome: 'success', inFlight: 4, now: 10_000 });
 * controller.limit; // 4 until a window closes
 * ```
 */
export function kneeLimit(options: KneeLimitOptions = {}): Limit {
  validate.object('options', options);
  const num = (name: keyof KneeLimitOptions, fallback: number, min: number, max?: number) =>
    validate.optional(options[name], fallback, (v) =>
      validate.number(name, v, max === undefined ? { min } : { min, max }),
    );
  const int = (name: keyof KneeLimitOptions, fallback: number, min: number) =>
    validate.optional(options[name], fallback, (v) => validate.integer(name, v, { min }));
  const config: KneeConfig = {
    margin: num('margin', 0.1, 0, 10),
    z: num('z', 0.5, 0, 10),
    earlyZ: validate.optional(options.earlyZ, 0.5, (v) =>
      validate.number('earlyZ', v, { min: 0, allowInfinity: true }),
    ),
    windowSamples: int('windowSamples', 32, 3),
    windowMinMs: num('windowMinMs', 1000, 0),
    windowMaxMs: num('windowMaxMs', 60_000, 0),
    blockSamples: int('blockSamples', 32, 3),
    horizonMs: num('horizonMs', 600_000, 0),
    backoff: num('backoff', 0.7, 0.1, 0.99),
    smoothing: num('smoothing', 1, 0.05, 1),
    utilization: num('utilization', 0.8, 0, 1),
    onDecision: validate.optional(options.onDecision, undefined, (v) =>
      validate.func<(d: KneeDecision) => void>('onDecision', v),
    ),
  };
  return standaloneLimit(
    'knee',
    (bounds) => new KneeController(config, bounds),
    parseLimitBounds(options),
  );
}

interface KneeConfig {
  readonly margin: number;
  readonly z: number;
  readonly earlyZ: number;
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
  // Baseline blocks.
  private readonly block = new Float64Array(RING);
  private blockCount = 0;
  private blockOpenedAt = Number.NaN;
  private readonly blocks: Block[] = [];
  private base: LatencySummary | undefined;
  private lastNow = 0;

  constructor(
    private readonly config: KneeConfig,
    private readonly bounds: LimitBounds,
  ) {
    this.limit = clampLimit(bounds.initial, bounds);
  }

  get baselineMs(): number | undefined {
    return this.currentBaseline(this.lastNow)?.median;
  }

  onSample(sample: LimitSample): number {
    const { now, latencyMs, outcome } = sample;
    this.lastNow = now;
    if (Number.isNaN(this.windowOpenedAt)) this.windowOpenedAt = now;
    if (outcome === 'drop') {
      this.windowDrops++;
      if (now - latencyMs > this.lastCutAt) this.cut(now, sample.inFlight);
      return this.limit;
    }
    if (outcome !== 'success') return this.limit;
    this.addToBlock(latencyMs, now);
    if (now - latencyMs >= this.lastChangeAt) {
      this.window[this.windowCount % RING] = latencyMs;
      this.windowCount++;
      if (sample.inFlight > this.windowPeak) this.windowPeak = sample.inFlight;
    }
    const open = now - this.windowOpenedAt;
    if (this.windowCount >= 8 && this.windowCount % 4 === 0 && this.earlyCongestion(now, open)) {
      this.closeWindow(now);
      return this.limit;
    }
    // One sample per admitted call (at least 8) when the limit is small: 32 samples at a limit
    // of 8 and 10 s calls would be a 40 s window.
    const need = this.slowStart
      ? Math.min(this.config.windowSamples, Math.max(4, Math.floor(this.limit / 2)))
      : Math.min(this.config.windowSamples, Math.max(8, Math.floor(this.limit)));
    if (
      (this.windowCount >= need && open >= this.config.windowMinMs) ||
      (this.windowCount >= 3 && open >= this.config.windowMaxMs)
    ) {
      this.closeWindow(now);
    }
    return this.limit;
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
    return win.median / base.median - 1 > threshold;
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
    let target = before;
    if (base !== undefined) {
      inflation = win.median / base.median - 1;
      threshold =
        config.margin + config.z * Math.sqrt(win.relativeError ** 2 + base.relativeError ** 2);
      const g = Math.min(1, Math.max(0.5, ((1 + config.margin) * base.median) / win.median));
      target = g * before;
      if (inflation > threshold) congested = true;
    }
    let action: KneeDecision['action'] = 'hold';
    if (this.windowDrops > 0) {
      action = 'hold';
    } else if (congested) {
      const floor = Math.max(0.5 * before, target);
      this.limit = clampLimit(before + config.smoothing * (floor - before), this.bounds);
      this.slowStart = false;
      action = 'decrease';
    } else if (this.windowPeak >= config.utilization * Math.floor(before)) {
      const step = this.slowStart ? before : Math.max(1, Math.sqrt(before));
      this.limit = clampLimit(Math.min(before + step, 2 * this.windowPeak), this.bounds);
      action = 'grow';
    }
    if (this.limit !== before) this.lastChangeAt = now;
    this.emit(now, action, before, win, base, { inflation, threshold });
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
    });
  }

  private resetWindow(now: number): void {
    this.windowOpenedAt = now;
    this.windowCount = 0;
    this.windowPeak = 0;
    this.windowDrops = 0;
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
