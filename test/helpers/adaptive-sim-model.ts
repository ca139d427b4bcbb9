/**
 * The solver-service model of the adaptive simulation, and a pure discrete-event engine that
 * drives a {@link LimitController} directly (fast: no promises, no clock).
 *
 * Service: C(t) worker threads, lognormal service time (median S, shape sigma), a FIFO
 * provider queue of `queueBound` beyond which calls are rejected after `rejectMs`. A client
 * timeout of `timeoutMs` turns a slow call into a drop (the provider keeps the worker busy).
 * The client has an infinite backlog and keeps floor(limit) calls in flight.
 */
import { mulberry32 as rng } from '../../src/internal/mulberry32.js';
import type { LimitController, LimitOutcome } from '../../src/limit/limit-algorithm.js';

export interface Scenario {
  readonly capacity: number;
  /** Capacity after `dropAtMs`. */
  readonly capacityAfter: number;
  readonly dropAtMs: number;
  readonly medianMs: number;
  readonly sigma: number;
  readonly queueBound: number;
  readonly rejectMs: number;
  readonly timeoutMs: number;
  readonly durationMs: number;
  readonly seed: number;
}

export const baseScenario: Scenario = {
  capacity: 50,
  capacityAfter: 25,
  dropAtMs: 900_000,
  medianMs: 10_000,
  sigma: 0.3,
  queueBound: 100,
  rejectMs: 300,
  timeoutMs: 120_000,
  durationMs: 1_800_000,
  seed: 1,
};

/** Service time of the n-th call: the same in every engine for a given seed. */
export function serviceTime(s: Scenario, n: number): number {
  const r = rng((s.seed * 2654435761 + n * 40503) >>> 0);
  r();
  const u1 = Math.max(r(), 1e-12);
  const u2 = r();
  const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return s.medianMs * Math.exp(s.sigma * normal);
}

/** What a run records. */
export interface RunTrace {
  /** One entry per simulated second: [limit, inFlight]. */
  readonly limit: number[];
  readonly inFlight: number[];
  /** Successful completions: [finishedAt, latencyMs]. */
  readonly done: [number, number][];
  rejects: number;
  timeouts: number;
  calls: number;
}

export function newTrace(): RunTrace {
  return { limit: [], inFlight: [], done: [], rejects: 0, timeouts: 0, calls: 0 };
}

export interface Metrics {
  p1Throughput: number;
  p2Throughput: number;
  p1P50: number;
  p2P50: number;
  rejectRate: number;
  p1LimitMean: number;
  p1LimitCv: number;
  p2LimitMean: number;
  p2LimitCv: number;
  /** Seconds from start until the limit first enters [0.8C, 1.5C]; Infinity if never. */
  convergeS: number;
  /** Seconds after the capacity drop until the limit first enters [0.8C', 1.5C']. */
  reactS: number;
}

/** Phase 1 is 300–900 s, phase 2 is 1200–1800 s: steady state, well clear of the start and of the capacity drop at 900 s. */
export function metrics(s: Scenario, trace: RunTrace): Metrics {
  const mean = (s.medianMs * Math.exp((s.sigma * s.sigma) / 2)) / 1000;
  const phase = (from: number, to: number, cap: number) => {
    const lat = trace.done.filter(([t]) => t >= from * 1000 && t < to * 1000).map(([, l]) => l);
    lat.sort((a, b) => a - b);
    const thr = lat.length / (to - from) / (cap / mean);
    const p50 = (lat[Math.floor(lat.length / 2)] ?? Number.NaN) / s.medianMs;
    const ls = trace.limit.slice(from, to);
    const m = ls.reduce((a, b) => a + b, 0) / ls.length;
    const sd = Math.sqrt(ls.reduce((a, b) => a + (b - m) ** 2, 0) / ls.length);
    return { thr, p50, m, cv: sd / m };
  };
  const p1 = phase(300, 900, s.capacity);
  const p2 = phase(1200, 1800, s.capacityAfter);
  const enter = (from: number, to: number, cap: number) => {
    for (let t = from; t < to && t < trace.limit.length; t++) {
      const l = Math.floor(trace.limit[t]!);
      if (l >= 0.8 * cap && l <= 1.5 * cap) return t - from;
    }
    return Number.POSITIVE_INFINITY;
  };
  const dropS = s.dropAtMs / 1000;
  return {
    p1Throughput: p1.thr,
    p2Throughput: p2.thr,
    p1P50: p1.p50,
    p2P50: p2.p50,
    rejectRate: trace.calls ? trace.rejects / trace.calls : 0,
    p1LimitMean: p1.m,
    p1LimitCv: p1.cv,
    p2LimitMean: p2.m,
    p2LimitCv: p2.cv,
    convergeS: enter(0, dropS, s.capacity),
    reactS: enter(dropS, s.durationMs / 1000, s.capacityAfter),
  };
}

// --- the pure discrete-event engine ------------------------------------------------------

interface Call {
  readonly n: number;
  readonly startedAt: number;
  settled: boolean;
}

enum Kind {
  Finish = 0,
  Reject = 1,
  Timeout = 2,
  Tick = 3,
}

interface Event {
  t: number;
  seq: number;
  kind: Kind;
  call: Call | undefined;
}

class Heap {
  private readonly items: Event[] = [];
  get size(): number {
    return this.items.length;
  }
  push(e: Event): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(a[p]!, a[i]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): Event {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Event, b: Event): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

/**
 * Runs one scenario against `controller` in pure virtual time. `onTick` (optional) sees
 * every simulated second, e.g. for the seed heuristic's 10 s timer.
 */
export function simulate(s: Scenario, controller: LimitController): RunTrace {
  const trace = newTrace();
  const heap = new Heap();
  let seq = 0;
  let now = 0;
  let busy = 0;
  const queue: Call[] = [];
  let queueHead = 0;
  let inFlight = 0;
  let nextCall = 0;
  const schedule = (t: number, kind: Kind, call?: Call) => heap.push({ t, seq: seq++, kind, call });
  const capacity = () => (now < s.dropAtMs ? s.capacity : s.capacityAfter);
  const startService = (call: Call) => {
    busy++;
    schedule(now + serviceTime(s, call.n), Kind.Finish, call);
  };
  const sample = (call: Call, outcome: LimitOutcome) => {
    call.settled = true;
    controller.onSample({
      latencyMs: now - call.startedAt,
      outcome,
      inFlight,
      now,
      startedAt: call.startedAt,
    });
    inFlight--;
  };
  const fill = () => {
    while (inFlight < Math.floor(controller.limit)) {
      const call: Call = { n: nextCall++, startedAt: now, settled: false };
      controller.onStart?.(now);
      inFlight++;
      trace.calls++;
      schedule(now + s.timeoutMs, Kind.Timeout, call);
      if (busy < capacity()) startService(call);
      else if (queue.length - queueHead < s.queueBound) queue.push(call);
      else schedule(now + s.rejectMs, Kind.Reject, call);
    }
  };
  schedule(0, Kind.Tick);
  fill();
  while (heap.size > 0) {
    const e = heap.pop();
    now = e.t;
    if (now > s.durationMs) break;
    const call = e.call;
    switch (e.kind) {
      case Kind.Tick:
        trace.limit.push(controller.limit);
        trace.inFlight.push(inFlight);
        schedule(now + 1000, Kind.Tick);
        break;
      case Kind.Finish:
        busy--;
        if (!call!.settled) {
          trace.done.push([now, now - call!.startedAt]);
          sample(call!, 'success');
        }
        while (busy < capacity() && queueHead < queue.length) startService(queue[queueHead++]!);
        if (queueHead > 1024) {
          queue.splice(0, queueHead);
          queueHead = 0;
        }
        break;
      case Kind.Reject:
        if (!call!.settled) {
          trace.rejects++;
          sample(call!, 'drop');
        }
        break;
      case Kind.Timeout:
        if (!call!.settled) {
          trace.timeouts++;
          sample(call!, 'drop');
        }
        break;
    }
    fill();
  }
  return trace;
}

/**
 * A zero-latency service as a client clock sees it: no queue at all, only the client's own
 * jitter (timers, event loop, GC), lognormal around 10 µs whatever the limit. One call
 * finishes every 10 ms from `fromMs` to `toMs` with the limit fully used; deterministic for
 * a seed. Used to show why the limit once drifted down against such a service.
 */
export function zeroLatencyPhase(
  controller: LimitController,
  seed: number,
  fromMs: number,
  toMs: number,
): void {
  const random = rng(seed);
  for (let now = fromMs + 10; now <= toMs; now += 10) {
    const u = Math.max(random(), 1e-12);
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    controller.onSample({
      latencyMs: 0.01 * Math.exp(0.5 * normal),
      outcome: 'success',
      inFlight: Math.floor(controller.limit),
      now,
    });
  }
}

/** The lowest limit over 30 minutes of {@link zeroLatencyPhase}, checked every minute. */
export function lowestOver30Minutes(controller: LimitController, seed: number): number {
  let lowest = controller.limit;
  for (let minute = 0; minute < 30; minute++) {
    zeroLatencyPhase(controller, seed * 100 + minute, minute * 60_000, (minute + 1) * 60_000);
    lowest = Math.min(lowest, controller.limit);
  }
  return lowest;
}
