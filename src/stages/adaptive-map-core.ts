import type { Clock } from '../internal/clock.js';
import type { LimitController, LimitOutcome } from '../limit/limit-algorithm.js';
import type {
  AdaptiveMapFn,
  AdaptiveMapOutcome,
  AdaptiveMapStats,
  LimitChangeListener,
} from './adaptive-map-types.js';

/** Validated options of one `adaptiveMap` stage. */
export interface AdaptiveMapConfig<I, O> {
  readonly fn: AdaptiveMapFn<I, O>;
  readonly ordered: boolean;
  readonly settle: boolean;
  readonly classify: ((outcome: AdaptiveMapOutcome<O>) => LimitOutcome) | undefined;
  readonly dropRetries: number;
  readonly retryDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly random: () => number;
  readonly signal: AbortSignal | undefined;
  readonly clock: Clock;
}

/** A run of the stage that may be waiting for a free slot. */
export interface SlotWaiter {
  pump(): void;
}

/** Timed successes `stats().latencyP50Ms` is the median of (a ring of the newest). */
const LATENCIES = 64;
/** Calls faster than this (50 µs) are timed one in `FAST_STRIDE`: two clock reads cost more. */
const FAST_CALL_MS = 0.05;
const FAST_STRIDE = 64;

/**
 * What every run of one stage shares: the limit controller, the in-flight count (so the limit
 * holds across concurrent runs), the counters and the limit listeners.
 */
export class AdaptiveMapCore {
  inFlight = 0;
  started = 0;
  succeeded = 0;
  failed = 0;
  dropped = 0;
  retried = 0;
  /**
   * Time one call in `timeStride`: 1 while calls take 50 µs or more, 64 for faster ones, where
   * two clock reads would cost more than the call (one in 16 still cost ~7 % of a 400 ns
   * item). Untimed successes give the limit no sample; at such rates (over 20,000 calls/s)
   * the timed ones are plenty, and the first timed call of 50 µs or more times every call again.
   */
  timeStride = 1;
  untilTimed = 0;
  /** The latest clock reading at a call's start; untimed calls borrow it. */
  lastReadAt = 0;
  /** `Math.floor(controller.limit)`, cached: the admission check reads it per item. */
  admitted: number;
  private readonly listeners = new Set<LimitChangeListener>();
  private readonly latencies = new Float64Array(LATENCIES);
  private latencyCount = 0;
  readonly runs: SlotWaiter[] = [];
  /**
   * The controller's `onStart`, if it has one: every timed call's start goes to it, and then
   * every timed call's end goes to `sample` (an aborted one as `ignore`).
   */
  readonly onStart: ((now: number) => void) | undefined;

  constructor(readonly controller: LimitController) {
    this.admitted = Math.floor(controller.limit);
    this.onStart = controller.onStart?.bind(controller);
  }

  /**
   * Feeds one finished, timed call to the controller (before `inFlight` is decremented); a
   * success also goes into the ring `stats().latencyP50Ms` reads. Untimed calls never get here.
   */
  sample(latencyMs: number, outcome: LimitOutcome, now: number, startedAt: number): void {
    if (outcome === 'success') {
      this.latencies[this.latencyCount++ % LATENCIES] = latencyMs;
      this.timeStride = latencyMs < FAST_CALL_MS ? FAST_STRIDE : 1;
    }
    const limit = Math.floor(
      this.controller.onSample({ latencyMs, outcome, inFlight: this.inFlight, now, startedAt }),
    );
    if (limit !== this.admitted) {
      const previous = this.admitted;
      this.admitted = limit;
      for (const listener of this.listeners) {
        try {
          listener(limit, previous);
        } catch {
          // A listener's bug must not break the stage or lose items; listeners are observers.
        }
      }
    }
  }

  /** Lets every waiting run take free slots (only needed with more than one run). */
  wakeOthers(except: SlotWaiter): void {
    if (this.runs.length < 2) return;
    for (const run of this.runs) {
      if (this.inFlight >= this.admitted) return;
      if (run !== except) run.pump();
    }
  }

  onLimitChange(listener: LimitChangeListener): () => void {
    const entry: LimitChangeListener = (limit, previous) => listener(limit, previous);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  stats(): AdaptiveMapStats {
    const n = Math.min(this.latencyCount, LATENCIES);
    let latencyP50Ms: number | undefined;
    if (n > 0) {
      const sorted = this.latencies.slice(0, n).sort();
      latencyP50Ms = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
    }
    return {
      limit: this.admitted,
      inFlight: this.inFlight,
      started: this.started,
      succeeded: this.succeeded,
      failed: this.failed,
      dropped: this.dropped,
      retried: this.retried,
      latencyP50Ms,
      baselineMs: this.controller.baselineMs,
    };
  }
}
