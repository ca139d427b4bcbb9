/**
 * A small reference model of the circuit breaker, written independently of the implementation
 * (plain arrays and a sample log instead of rings and buckets), and the harness that drives a
 * real breaker next to it. Used by the model-based property tests.
 */
import { expect } from 'vitest';
import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  circuitBreaker,
  type StateChange,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

export interface ModelConfig {
  mode: 'consecutive' | 'count' | 'time' | 'both';
  threshold: number;
  windowSize: number;
  buckets: number;
  minimumCalls: number;
  failureRate: number;
  slowCallMs: number;
  slowCallRate: number;
  resetTimeout: number;
  backoff: boolean;
  trials: number;
  concurrency: number;
  deadlineMs: number;
}

export function breakerOptions(cfg: ModelConfig, clock: VirtualClock): CircuitBreakerOptions {
  const options: CircuitBreakerOptions = {
    clock,
    resetTimeout: cfg.resetTimeout,
    slowCallMs: cfg.slowCallMs,
    halfOpen: { trials: cfg.trials, concurrency: cfg.concurrency, deadlineMs: cfg.deadlineMs },
    isFailure: (error) => {
      const kind = (error as { kind?: string }).kind;
      return kind === 'overload' ? 'overload' : kind === 'fatal' ? 'fatal' : kind !== 'ignored';
    },
  };
  if (cfg.backoff)
    options.resetBackoff = { multiplier: 2, maxTimeout: cfg.resetTimeout * 4, jitter: 0 };
  if (cfg.mode === 'consecutive' || cfg.mode === 'both') options.failureThreshold = cfg.threshold;
  if (cfg.mode !== 'consecutive') {
    options.window =
      cfg.mode === 'time'
        ? { kind: 'time', size: cfg.windowSize, buckets: cfg.buckets }
        : { kind: 'count', size: cfg.windowSize };
    options.minimumCalls = cfg.minimumCalls;
    options.failureRate = cfg.failureRate;
    options.slowCallRate = cfg.slowCallRate;
  }
  return options;
}

export type Outcome = 'success' | 'failure' | 'overload' | 'ignored' | 'fatal';

interface ModelCall {
  gen: number;
  startedAt: number;
  done: boolean;
  /** The caller aborted: whatever fn does, the permit is released without an outcome. */
  aborted: boolean;
}

interface Sample {
  t: number;
  failed: boolean;
  slow: boolean;
}

/** The reference model. */
export class BreakerModel {
  now = 0;
  kind: CircuitState = 'closed';
  gen = 0;
  openUntil = 0;
  opens = 0;
  consecutive = 0;
  samples: Sample[] = [];
  ho = { admitted: 0, reserved: 0, active: 0, completed: 0, successes: 0, start: 0, deadline: 0 };
  calls: ModelCall[] = [];
  fnCalls = 0;

  constructor(readonly cfg: ModelConfig) {}

  private get usesConsecutive(): boolean {
    return this.cfg.mode === 'consecutive' || this.cfg.mode === 'both';
  }

  private get usesWindow(): boolean {
    return this.cfg.mode !== 'consecutive';
  }

  /** Samples that count at `now`; asserts that none is older than the window (B4). */
  windowSamples(): Sample[] {
    if (this.cfg.mode === 'count' || this.cfg.mode === 'both') {
      return this.samples.slice(-this.cfg.windowSize);
    }
    if (this.cfg.mode === 'consecutive') return [];
    const width = this.cfg.windowSize / this.cfg.buckets;
    const current = Math.floor(this.now / width);
    const inWindow = this.samples.filter(
      (s) => Math.floor(s.t / width) > current - this.cfg.buckets,
    );
    for (const s of inWindow) expect(this.now - s.t).toBeLessThan(this.cfg.windowSize);
    return inWindow;
  }

  private rateRuleHolds(): boolean {
    const w = this.windowSamples();
    const calls = w.length;
    if (calls < this.cfg.minimumCalls || calls === 0) return false;
    const failures = w.filter((s) => s.failed).length;
    const slow = w.filter((s) => s.slow).length;
    return failures >= this.cfg.failureRate * calls || slow >= this.cfg.slowCallRate * calls;
  }

  private startHalfOpen(): void {
    this.gen++;
    this.kind = 'half-open';
    this.ho = {
      admitted: 0,
      reserved: 0,
      active: 0,
      completed: 0,
      successes: 0,
      start: this.now,
      deadline: this.now + this.cfg.deadlineMs,
    };
  }

  private trip(retryAfter: number): void {
    this.opens++;
    let duration = this.cfg.resetTimeout;
    if (this.cfg.backoff) {
      duration = Math.min(this.cfg.resetTimeout * 4, this.cfg.resetTimeout * 2 ** (this.opens - 1));
    }
    duration = Math.max(duration, retryAfter);
    this.gen++;
    this.kind = 'open';
    this.openUntil = this.now + duration;
  }

  private close(): void {
    this.gen++;
    this.kind = 'closed';
    this.opens = 0;
    this.consecutive = 0;
    this.samples = [];
  }

  refresh(): void {
    for (;;) {
      if (this.kind === 'open' && this.now >= this.openUntil) this.startHalfOpen();
      else if (this.kind === 'half-open' && this.now >= this.ho.deadline) {
        if (this.ho.admitted === 0) this.startHalfOpen();
        else this.trip(0);
      } else return;
    }
  }

  /** A call: returns the index of the admitted call, or the refusal. */
  call(): number | 'open' | 'isolated' | 'half-open' {
    this.refresh();
    if (this.kind === 'open') return 'open';
    if (this.kind === 'isolated') return 'isolated';
    if (this.kind === 'half-open') {
      const ho = this.ho;
      if (ho.reserved > 0) ho.reserved--;
      else if (ho.admitted < this.cfg.trials && ho.active + ho.reserved < this.cfg.concurrency) {
        ho.admitted++;
      } else return 'half-open';
      ho.active++;
    }
    this.fnCalls++;
    this.calls.push({ gen: this.gen, startedAt: this.now, done: false, aborted: false });
    return this.calls.length - 1;
  }

  /** Settles call `index`; returns true when its result was stale (older generation). */
  settle(index: number, outcome: Outcome | 'release', retryAfter: number): boolean {
    const call = this.calls[index]!;
    if (call.done) return false;
    call.done = true;
    if (call.aborted) outcome = 'release';
    if (outcome === 'fatal') {
      if (this.kind !== 'isolated') {
        this.gen++;
        this.kind = 'isolated';
      }
      return false;
    }
    this.refresh();
    if (call.gen !== this.gen) return true;
    const counted = outcome === 'success' || outcome === 'failure';
    const failed = outcome === 'failure';
    const slow = counted && this.now - call.startedAt > this.cfg.slowCallMs;
    if (this.kind === 'closed') {
      if (!counted) return false;
      if (this.usesConsecutive) this.consecutive = failed ? this.consecutive + 1 : 0;
      this.samples.push({ t: this.now, failed, slow });
      const consecutiveRule =
        this.usesConsecutive && failed && this.consecutive >= this.cfg.threshold;
      const rateRule = this.usesWindow && (failed || slow) && this.rateRuleHolds();
      if (consecutiveRule || rateRule) this.trip(failed ? retryAfter : 0);
      return false;
    }
    if (this.kind !== 'half-open') return false;
    const ho = this.ho;
    ho.active--;
    ho.completed++;
    if (failed || slow) {
      this.trip(failed ? retryAfter : 0);
      return false;
    }
    if (outcome === 'success') ho.successes++;
    if (ho.completed >= this.cfg.trials) {
      if (ho.successes > 0) this.close();
      else this.startHalfOpen();
    }
    return false;
  }

  reserve(): number | undefined {
    this.refresh();
    if (this.kind !== 'half-open') return undefined;
    const ho = this.ho;
    if (ho.admitted >= this.cfg.trials || ho.active + ho.reserved >= this.cfg.concurrency)
      return undefined;
    ho.admitted++;
    ho.reserved++;
    return this.gen;
  }

  cancel(gen: number): void {
    if (this.kind !== 'half-open' || this.gen !== gen || this.ho.reserved === 0) return;
    this.ho.reserved--;
    this.ho.admitted--;
  }

  reset(): void {
    if (this.kind === 'closed') {
      this.consecutive = 0;
      this.samples = [];
    } else this.close();
  }

  isolate(): void {
    if (this.kind === 'isolated') return;
    this.gen++;
    this.kind = 'isolated';
  }
}

interface Deferred {
  resolve(): void;
  reject(error: unknown): void;
}

/** The real breaker with a virtual clock and controllable calls. */
export class BreakerReal {
  readonly clock = new VirtualClock();
  readonly breaker: CircuitBreaker;
  readonly log: StateChange[] = [];
  readonly calls: { deferred: Deferred; settled: Promise<unknown>; abort?: AbortController }[] = [];
  readonly reservations: number[] = [];
  fnCalls = 0;
  /** Trial calls of each half-open generation: total and at once (B2). */
  readonly trials = new Map<number, { total: number; active: number; peak: number }>();
  private readonly wrapped: (deferred: Deferred) => Promise<void>;

  constructor(readonly cfg: ModelConfig) {
    this.breaker = circuitBreaker(breakerOptions(cfg, this.clock));
    this.breaker.onStateChange((_, change) => this.log.push(change));
    this.wrapped = this.breaker.wrap((deferred: Deferred) => this.fn(deferred));
  }

  private fn(deferred: Deferred): Promise<void> {
    this.fnCalls++;
    const state = this.breaker.state;
    let done: () => void = () => {};
    if (state === 'half-open') {
      const generation = this.breaker.generation;
      const t = this.trials.get(generation) ?? { total: 0, active: 0, peak: 0 };
      t.total++;
      t.active++;
      t.peak = Math.max(t.peak, t.active);
      this.trials.set(generation, t);
      done = () => {
        t.active--;
      };
    }
    return new Promise<void>((resolve, reject) => {
      deferred.resolve = () => {
        done();
        resolve();
      };
      deferred.reject = (error) => {
        done();
        reject(error);
      };
    });
  }

  /** Starts a call through `wrap` (or `execute` with a signal when `abortable`). */
  call(abortable: boolean): { admitted: boolean; settled: Promise<unknown> } {
    const before = this.fnCalls;
    const deferred: Deferred = { resolve: () => {}, reject: () => {} };
    let promise: Promise<unknown>;
    let abort: AbortController | undefined;
    if (abortable) {
      abort = new AbortController();
      promise = this.breaker.execute(() => this.fn(deferred), { signal: abort.signal });
    } else {
      promise = this.wrapped(deferred);
    }
    const settled = promise.then(
      (value) => ({ ok: true, value }),
      (error: unknown) => ({ ok: false, error }),
    );
    const admitted = this.fnCalls > before;
    if (admitted) this.calls.push({ deferred, settled, ...(abort ? { abort } : {}) });
    return { admitted, settled };
  }
}

/** Compares the real breaker to the model after a command (state, generation, counters, B1-B6). */
export function expectAgreement(model: BreakerModel, real: BreakerReal): void {
  model.refresh();
  const b = real.breaker;
  expect(b.state).toBe(model.kind);
  expect(b.generation).toBe(model.gen);
  const stats = b.stats();
  // B5: every permit is either in flight or released exactly once.
  const open = model.calls.filter((c) => !c.done).length;
  expect(stats.inFlight).toBe(open);
  expect(stats.admitted).toBe(
    stats.successes + stats.failures + stats.overloads + stats.ignored + stats.inFlight,
  );
  expect(real.fnCalls).toBe(model.fnCalls);
  if (model.kind === 'open') expect(stats.openUntil).toBe(model.openUntil);
  if (model.kind === 'half-open') {
    // B6: never observed half-open at or past its deadline.
    expect(real.clock.now()).toBeLessThan(b.halfOpenDeadline!);
    expect(b.halfOpenDeadline! - model.ho.start).toBe(model.cfg.deadlineMs);
    expect(stats.halfOpen).toEqual({
      admitted: model.ho.admitted,
      active: model.ho.active,
      reserved: model.ho.reserved,
      completed: model.ho.completed,
    });
  }
  // B2: per half-open generation, trials in total and at once.
  for (const t of real.trials.values()) {
    expect(t.total).toBeLessThanOrEqual(model.cfg.trials);
    expect(t.peak).toBeLessThanOrEqual(model.cfg.concurrency);
  }
}
