/**
 * fast-check arbitraries for property tests of pipelines: arrival patterns of a producer and
 * behaviours of a solver service, as plain data that shrinks to small, readable
 * counterexamples. The only module of `backpressure-kit/testing` besides the conformance
 * checks that imports fast-check (an optional peer dependency).
 */
import fc from 'fast-check';
import type { ArrivalPattern } from './arrivals.js';
import type { LatencyDistribution, OutageWindow, SolverBehaviour } from './solver-behaviour.js';

/** Size limits of the generated arrival patterns. */
export interface ArrivalArbitraryOptions {
  /** Most items in a pattern. @default 100 */
  maxItems?: number;
  /** Longest spacing between arrivals (or bursts, or on/off windows), in ms. @default 1_000 */
  maxIntervalMs?: number;
}

const arrivalLimits = (options: ArrivalArbitraryOptions) => ({
  maxItems: options.maxItems ?? 100,
  maxIntervalMs: options.maxIntervalMs ?? 1_000,
});

/**
 * Steady arrivals: `count` items, one every `intervalMs`.
 * @example
 * ```ts
 * fc.assert(fc.asyncProperty(steadyArrivals({ maxItems: 20 }), async (pattern) => { … }));
 * ```
 */
export function steadyArrivals(
  options: ArrivalArbitraryOptions = {},
): fc.Arbitrary<ArrivalPattern> {
  const { maxItems, maxIntervalMs } = arrivalLimits(options);
  return fc.record({
    kind: fc.constant('steady' as const),
    count: fc.integer({ min: 0, max: maxItems }),
    intervalMs: fc.integer({ min: 0, max: maxIntervalMs }),
  });
}

/**
 * Bursty arrivals: up to 10 bursts of items that arrive at the same instant, `gapMs` apart,
 * `maxItems` in all. Shrinks toward one burst with no gap: the worst case for a buffer.
 * @example
 * ```ts
 * fc.assert(fc.asyncProperty(burstyArrivals({ maxItems: 200 }), async (pattern) => { … }));
 * ```
 */
export function burstyArrivals(
  options: ArrivalArbitraryOptions = {},
): fc.Arbitrary<ArrivalPattern> {
  const { maxItems, maxIntervalMs } = arrivalLimits(options);
  return fc
    .record({
      kind: fc.constant('bursty' as const),
      bursts: fc.array(fc.integer({ min: 1, max: Math.max(1, maxItems) }), {
        minLength: 1,
        maxLength: 10,
      }),
      gapMs: fc.integer({ min: 0, max: maxIntervalMs }),
    })
    .filter((p) => p.bursts.reduce((a, b) => a + b, 0) <= maxItems);
}

/**
 * Ramping arrivals: the spacing moves linearly from `startIntervalMs` to `endIntervalMs`
 * (a producer that speeds up, or slows down).
 * @example
 * ```ts
 * fc.assert(fc.asyncProperty(rampArrivals(), async (pattern) => { … }));
 * ```
 */
export function rampArrivals(options: ArrivalArbitraryOptions = {}): fc.Arbitrary<ArrivalPattern> {
  const { maxItems, maxIntervalMs } = arrivalLimits(options);
  return fc.record({
    kind: fc.constant('ramp' as const),
    count: fc.integer({ min: 0, max: maxItems }),
    startIntervalMs: fc.integer({ min: 0, max: maxIntervalMs }),
    endIntervalMs: fc.integer({ min: 0, max: maxIntervalMs }),
  });
}

/**
 * On/off arrivals: steady while the producer is on, nothing during its off windows (a
 * producer outage), then a steady stream again.
 * @example
 * ```ts
 * fc.assert(fc.asyncProperty(onOffArrivals(), async (pattern) => { … }));
 * ```
 */
export function onOffArrivals(options: ArrivalArbitraryOptions = {}): fc.Arbitrary<ArrivalPattern> {
  const { maxItems, maxIntervalMs } = arrivalLimits(options);
  return fc.record({
    kind: fc.constant('onOff' as const),
    count: fc.integer({ min: 0, max: maxItems }),
    intervalMs: fc.integer({ min: 0, max: maxIntervalMs }),
    onMs: fc.integer({ min: 1, max: 10 * maxIntervalMs + 1 }),
    offMs: fc.integer({ min: 0, max: 10 * maxIntervalMs }),
  });
}

/**
 * Any of the four arrival patterns (steady, bursty, ramp, on/off).
 * @example
 * ```ts
 * fc.assert(fc.asyncProperty(arrivalPatterns({ maxItems: 50 }), async (pattern) => {
 *   const source = arrivalSource(pattern, { clock });
 *   …
 * }));
 * ```
 */
export function arrivalPatterns(
  options: ArrivalArbitraryOptions = {},
): fc.Arbitrary<ArrivalPattern> {
  return fc.oneof(
    steadyArrivals(options),
    burstyArrivals(options),
    rampArrivals(options),
    onOffArrivals(options),
  );
}

/** Limits of the generated latencies. */
export interface LatencyArbitraryOptions {
  /** Longest (median) service time, in ms. @default 60_000 */
  maxMs?: number;
}

/**
 * Latency distributions: constant, uniform or lognormal (median up to `maxMs`, sigma up to 1).
 * @example
 * ```ts
 * fc.assert(fc.property(latencyDistributions({ maxMs: 1_000 }), (latency) => { … }));
 * ```
 */
export function latencyDistributions(
  options: LatencyArbitraryOptions = {},
): fc.Arbitrary<LatencyDistribution> {
  const maxMs = options.maxMs ?? 60_000;
  return fc.oneof(
    fc.record({ kind: fc.constant('constant' as const), ms: fc.integer({ min: 0, max: maxMs }) }),
    fc
      .tuple(fc.integer({ min: 0, max: maxMs }), fc.integer({ min: 0, max: maxMs }))
      .map(([a, b]) => ({
        kind: 'uniform' as const,
        minMs: Math.min(a, b),
        maxMs: Math.max(a, b),
      })),
    fc.record({
      kind: fc.constant('lognormal' as const),
      medianMs: fc.integer({ min: 1, max: maxMs }),
      sigma: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  );
}

/** Limits of the generated solver behaviours. */
export interface SolverBehaviourArbitraryOptions extends LatencyArbitraryOptions {
  /** Most threads. @default 20 */
  maxThreads?: number;
  /** Longest provider queue. @default 20 */
  maxQueue?: number;
  /** Highest share of failed tasks (0 to 1). @default 0.3 */
  maxErrorRate?: number;
  /** Provider codes failed tasks carry. @default ['ERROR_CAPTCHA_UNSOLVABLE', 'ERROR_BAD_DUPLICATES'] */
  errorCodes?: readonly string[];
  /** Most outage windows. @default 2 */
  maxOutages?: number;
  /** Outage windows start before this many ms from the start. @default 100_000 */
  horizonMs?: number;
}

/**
 * Behaviours of a solver service for `simulatedSolver`: thread limits, queue bounds, latency
 * distributions, error mixes and outage windows, with a seed. Shrinks toward one thread, no
 * queue, constant latency, no errors and no outages.
 * @example
 * ```ts
 * fc.assert(fc.asyncProperty(solverBehaviours({ maxThreads: 5 }), async (behaviour) => {
 *   const solver = simulatedSolver(behaviour, { clock });
 *   …
 * }));
 * ```
 */
export function solverBehaviours(
  options: SolverBehaviourArbitraryOptions = {},
): fc.Arbitrary<SolverBehaviour> {
  const horizon = options.horizonMs ?? 100_000;
  const codes = options.errorCodes ?? ['ERROR_CAPTCHA_UNSOLVABLE', 'ERROR_BAD_DUPLICATES'];
  const outage: fc.Arbitrary<OutageWindow> = fc
    .tuple(fc.integer({ min: 0, max: horizon }), fc.integer({ min: 0, max: horizon }))
    .map(([startMs, length]) => ({ startMs, endMs: startMs + length }));
  return fc.record({
    threads: fc.integer({ min: 1, max: options.maxThreads ?? 20 }),
    queueBound: fc.integer({ min: 0, max: options.maxQueue ?? 20 }),
    latency: latencyDistributions(options),
    rejectMs: fc.integer({ min: 0, max: 1_000 }),
    errorRate: fc.double({ min: 0, max: options.maxErrorRate ?? 0.3, noNaN: true }),
    errorCodes: fc.subarray([...codes], { minLength: 1 }),
    outages: fc.array(outage, { maxLength: options.maxOutages ?? 2 }),
    seed: fc.integer(),
  });
}
