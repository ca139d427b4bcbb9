/**
 * A reference model of the circuit breaker written from its spec (the states and transitions
 * in docs/circuit-breaker.md), and the harness that drives a real breaker next to it. The
 * model shares no structure with the implementation: a discriminated state with the history
 * of outcomes and a list of trial slots, rules derived from them on demand, one small method
 * per transition. Used by the model-based property tests.
 */
import { expect } from 'vitest';
import { type BreakerInternals, internalsOf } from '../../src/breaker/breaker-internals.js';
import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  circuitBreaker,
  type IsolationHandle,
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
  /** The generation that admitted the call. */
  gen: number;
  startedAt: number;
  done: boolean;
  /** The caller aborted: whatever fn does, the permit is released without an outcome. */
  aborted: boolean;
}

/** A counted outcome (success or failure) recorded while closed. */
interface Sample {
  t: number;
  failed: boolean;
  slow: boolean;
}

/** One trial slot of a half-open episode, from reservation or admission to its end. */
type Slot = 'reserved' | 'running' | 'succeeded' | 'finished';

/**
 * The breaker as the spec describes it (docs/circuit-breaker.md, "States" and "Half-open"),
 * one variant per state with only what that state needs. Nothing here is shared with the
 * implementation: the closed state keeps its whole history of counted outcomes and derives
 * every rule from it; a half-open episode is a list of trial slots whose counts are derived.
 */
type SpecState =
  | { kind: 'closed'; history: Sample[] }
  | { kind: 'open'; until: number }
  | { kind: 'half-open'; start: number; slots: Slot[] }
  | { kind: 'isolated'; fatal: boolean };

/**
 * The reference model: a plain state machine written from the spec, not from the code.
 *
 * - closed → open when, on a counted failure (or slow call), the rule holds: `threshold`
 *   failures at the end of the history (consecutive), or, over the window (the last `size`
 *   outcomes, or those whose time bucket is one of the last `buckets`), at least `minimumCalls`
 *   outcomes with failures ≥ `failureRate` × outcomes or slow ≥ `slowCallRate` × outcomes.
 * - open lasts `resetTimeout` × 2^(opens-1) (capped at 4 × when backed off), at least the
 *   failing error's `retryAfter`; the first look at or after its end starts a half-open episode.
 * - half-open: a call takes a reserved slot, else a new one while fewer than `trials` slots
 *   exist and fewer than `concurrency` are reserved or running. A failed or slow trial opens
 *   it; once `trials` slots finished it closes if one succeeded, else a new episode starts. At
 *   its deadline an episode with no slot restarts; one with slots opens.
 * - isolated: by `isolate()` (until every live handle is disposed) or a fatal outcome (until
 *   `reset()`, which also ends every isolation and clears the history).
 * - every change of kind (and every new episode) is a new generation; an outcome from another
 *   generation is only counted in statistics, except a fatal one, which always isolates.
 */
export class BreakerModel {
  now = 0;
  gen = 0;
  /** Consecutive opens without a close in between. */
  opens = 0;
  state: SpecState = { kind: 'closed', history: [] };
  calls: ModelCall[] = [];
  fnCalls = 0;
  /** Isolation handles: `true` while live. Reset() invalidates them all. */
  handles: boolean[] = [];

  constructor(readonly cfg: ModelConfig) {}

  // ---- views used by the harness ---------------------------------------------------------

  get kind(): CircuitState {
    return this.state.kind;
  }

  get openUntil(): number {
    return this.state.kind === 'open' ? this.state.until : 0;
  }

  /** Half-open counters, derived from the slots (all 0 outside half-open). */
  get ho(): {
    admitted: number;
    reserved: number;
    active: number;
    completed: number;
    start: number;
  } {
    const s = this.state;
    if (s.kind !== 'half-open')
      return { admitted: 0, reserved: 0, active: 0, completed: 0, start: 0 };
    const count = (...kinds: Slot[]) => s.slots.filter((slot) => kinds.includes(slot)).length;
    return {
      admitted: s.slots.length,
      reserved: count('reserved'),
      active: count('running'),
      completed: count('succeeded', 'finished'),
      start: s.start,
    };
  }

  // ---- transitions ----------------------------------------------------------------------

  private enter(state: SpecState): void {
    this.gen++;
    this.state = state;
  }

  private open(retryAfter: number): void {
    this.opens++;
    const { resetTimeout, backoff } = this.cfg;
    const backedOff = backoff
      ? Math.min(4 * resetTimeout, resetTimeout * 2 ** (this.opens - 1))
      : resetTimeout;
    this.enter({ kind: 'open', until: this.now + Math.max(backedOff, retryAfter) });
  }

  private close(): void {
    this.opens = 0;
    this.enter({ kind: 'closed', history: [] });
  }

  private newEpisode(): void {
    this.enter({ kind: 'half-open', start: this.now, slots: [] });
  }

  /** Applies what time alone changes, as of `now` (a look at the breaker). */
  refresh(): void {
    const s = this.state;
    if (s.kind === 'open' && this.now >= s.until) {
      this.newEpisode();
      this.refresh();
    } else if (s.kind === 'half-open' && this.now >= s.start + this.cfg.deadlineMs) {
      if (s.slots.length === 0) this.newEpisode();
      else this.open(0);
      this.refresh();
    }
  }

  // ---- the closed state's rules -----------------------------------------------------------

  /** The samples the rate rule sees at `now` (B4: none older than the window). */
  windowSamples(history: Sample[]): Sample[] {
    const { mode, windowSize, buckets } = this.cfg;
    if (mode === 'consecutive') return [];
    if (mode !== 'time') return history.slice(Math.max(0, history.length - windowSize));
    const bucketOf = (t: number) => Math.floor(t / (windowSize / buckets));
    const inWindow = history.filter((x) => bucketOf(this.now) - bucketOf(x.t) < buckets);
    for (const x of inWindow) expect(this.now - x.t).toBeLessThan(windowSize);
    return inWindow;
  }

  private ruleHolds(history: Sample[]): boolean {
    const { mode, threshold, minimumCalls, failureRate, slowCallRate } = this.cfg;
    let trailingFailures = 0;
    for (let i = history.length - 1; i >= 0 && history[i]!.failed; i--) trailingFailures++;
    if (
      (mode === 'consecutive' || mode === 'both') &&
      history.at(-1)?.failed &&
      trailingFailures >= threshold
    ) {
      return true;
    }
    const window = this.windowSamples(history);
    if (window.length === 0 || window.length < minimumCalls) return false;
    const failures = window.filter((x) => x.failed).length;
    const slow = window.filter((x) => x.slow).length;
    return failures >= failureRate * window.length || slow >= slowCallRate * window.length;
  }

  // ---- commands --------------------------------------------------------------------------

  /** A call: returns the index of the admitted call, or the refusal. */
  call(): number | 'open' | 'isolated' | 'half-open' {
    this.refresh();
    const s = this.state;
    if (s.kind === 'open' || s.kind === 'isolated') return s.kind;
    if (s.kind === 'half-open') {
      const reserved = s.slots.indexOf('reserved');
      const busy = s.slots.filter((slot) => slot === 'reserved' || slot === 'running').length;
      if (reserved >= 0) s.slots[reserved] = 'running';
      else if (s.slots.length < this.cfg.trials && busy < this.cfg.concurrency)
        s.slots.push('running');
      else return 'half-open';
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
    const result = call.aborted ? 'release' : outcome;
    if (result === 'fatal') {
      if (this.state.kind === 'isolated') this.state.fatal = true;
      else this.enter({ kind: 'isolated', fatal: true });
      return false;
    }
    this.refresh();
    if (call.gen !== this.gen) return true;
    const counted = result === 'success' || result === 'failure';
    const failed = result === 'failure';
    const slow = counted && this.now - call.startedAt > this.cfg.slowCallMs;
    const s = this.state;
    if (s.kind === 'closed') {
      if (!counted) return false;
      s.history.push({ t: this.now, failed, slow });
      if ((failed || slow) && this.ruleHolds(s.history)) this.open(failed ? retryAfter : 0);
    } else if (s.kind === 'half-open') {
      // The running slot this call holds (slots are interchangeable): it ends now.
      s.slots[s.slots.indexOf('running')] =
        result === 'success' && !slow ? 'succeeded' : 'finished';
      if (failed || slow) this.open(failed ? retryAfter : 0);
      else if (
        s.slots.filter((slot) => slot === 'succeeded' || slot === 'finished').length >=
        this.cfg.trials
      ) {
        if (s.slots.includes('succeeded')) this.close();
        else this.newEpisode();
      }
    }
    return false;
  }

  /** The gate reserves a trial slot: the episode's generation, or undefined. */
  reserve(): number | undefined {
    this.refresh();
    const s = this.state;
    if (s.kind !== 'half-open') return undefined;
    const busy = s.slots.filter((slot) => slot === 'reserved' || slot === 'running').length;
    if (s.slots.length >= this.cfg.trials || busy >= this.cfg.concurrency) return undefined;
    s.slots.push('reserved');
    return this.gen;
  }

  /** The gate gives a reservation of episode `gen` back (nothing when the episode ended). */
  cancel(gen: number): void {
    const s = this.state;
    if (s.kind !== 'half-open' || gen !== this.gen) return;
    const i = s.slots.lastIndexOf('reserved');
    if (i >= 0) s.slots.splice(i, 1);
  }

  reset(): void {
    this.handles = this.handles.map(() => false);
    if (this.state.kind === 'closed') this.state.history = [];
    else this.close();
  }

  /** `isolate()`: returns the handle's number. */
  isolate(): number {
    if (this.state.kind !== 'isolated') this.enter({ kind: 'isolated', fatal: false });
    this.handles.push(true);
    return this.handles.length - 1;
  }

  /** `handle.dispose()` of handle `id`. */
  dispose(id: number): void {
    if (!this.handles[id]) return;
    this.handles[id] = false;
    const s = this.state;
    if (!this.handles.includes(true) && s.kind === 'isolated' && !s.fatal) this.close();
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
  readonly internals: BreakerInternals;
  readonly log: StateChange[] = [];
  readonly calls: { deferred: Deferred; settled: Promise<unknown>; abort?: AbortController }[] = [];
  readonly reservations: number[] = [];
  readonly isolations: IsolationHandle[] = [];
  fnCalls = 0;
  /** Trial calls of each half-open generation: total and at once (B2). */
  readonly trials = new Map<number, { total: number; active: number; peak: number }>();
  private readonly wrapped: (deferred: Deferred) => Promise<void>;

  constructor(readonly cfg: ModelConfig) {
    this.breaker = circuitBreaker(breakerOptions(cfg, this.clock));
    this.internals = internalsOf(this.breaker)!;
    this.breaker.onStateChange((_, change) => this.log.push(change));
    this.wrapped = this.breaker.wrap((deferred: Deferred) => this.fn(deferred));
  }

  private fn(deferred: Deferred): Promise<void> {
    this.fnCalls++;
    const state = this.breaker.state;
    let done: () => void = () => {};
    if (state === 'half-open') {
      const generation = this.breaker.stats().generation;
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
  expect(b.stats().generation).toBe(model.gen);
  const stats = b.stats();
  // B5: every permit is either in flight or released exactly once.
  const open = model.calls.filter((c) => !c.done).length;
  expect(stats.inFlight).toBe(open);
  expect(stats.admitted).toBe(
    stats.successes + stats.failures + stats.overloads + stats.ignored + stats.inFlight,
  );
  expect(real.fnCalls).toBe(model.fnCalls);
  expect(stats.opens).toBe(model.opens);
  if (model.kind === 'open') expect(stats.openUntil).toBe(model.openUntil);
  if (model.kind === 'half-open') {
    // B6: never observed half-open at or past its deadline.
    expect(real.clock.now()).toBeLessThan(real.internals.halfOpenDeadline()!);
    expect(real.internals.halfOpenDeadline()! - model.ho.start).toBe(model.cfg.deadlineMs);
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
