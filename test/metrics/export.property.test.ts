import { fc, test } from '@fast-check/vitest';
import type { BoundedBufferStats, BreakerStats, CircuitState, ShedStats } from 'backpressure-kit';
import { registerOpenTelemetryMetrics, registerPrometheusMetrics } from 'backpressure-kit/metrics';
import type { SolverErrorKind, SolveStageStats } from 'backpressure-kit/solver';
import { Registry } from 'prom-client';
import { describe, expect } from 'vitest';
import { expectExactly, expectedSeries, type StageStats } from './expected-series.js';
import { otelHarness, otelName } from './otel-reader.js';
import { parseExposition } from './parse-exposition.js';

/** One step of a run: how much each counter grows, and the gauges' new values. */
const step = fc.record({
  n: fc.array(fc.nat(50), { minLength: 12, maxLength: 12 }),
  depth: fc.nat(100),
  inFlight: fc.nat(20),
  limit: fc.integer({ min: 1, max: 50 }),
  state: fc.constantFrom<CircuitState>('closed', 'open', 'half-open', 'isolated'),
  failKind: fc.constantFrom<SolverErrorKind>('fatal-item', 'unsolvable', 'transient', 'overload'),
  waitedMs: fc.double({ min: 0, max: 5_000, noNaN: true }),
});

describe('prometheus and OpenTelemetry export (property)', () => {
  test.prop([fc.array(step, { minLength: 1, maxLength: 25 })], { numRuns: 60 })(
    'for any sequence of stats snapshots, every exported value equals stats() and counters never fall',
    async (steps) => {
      let shedStats: ShedStats = {
        buffered: 0,
        capacity: 100,
        received: 0,
        emitted: 0,
        dropped: 0,
        droppedByReason: { full: 0, evicted: 0 },
        dropCallbackErrors: 0,
      };
      let bufferStats: BoundedBufferStats = {
        buffered: 0,
        highWaterMark: 100,
        received: 0,
        emitted: 0,
        discarded: 0,
        peakBuffered: 0,
        producerWaitMs: 0,
      };
      let breakerStats = breakerAt('closed');
      let solveStats: SolveStageStats = {
        limit: 1,
        inFlight: 0,
        submits: 0,
        retries: 0,
        resubmits: 0,
        overloads: 0,
        solved: 0,
        failed: 0,
        failedByKind: {},
        breaker: 'closed',
      };
      const stages = {
        drop: { stats: () => shedStats },
        buffer: { stats: () => bufferStats },
        breaker: { stats: () => breakerStats },
        solve: { stats: () => solveStats },
      };
      const registry = new Registry();
      const dispose = registerPrometheusMetrics(registry, stages);
      const otel = otelHarness();
      registerOpenTelemetryMetrics(otel.meter, stages);
      const previous = new Map<string, number>();
      const monotonic = (series: string, value: number) => {
        expect(value).toBeGreaterThanOrEqual(previous.get(series) ?? 0);
        previous.set(series, value);
      };
      for (const s of steps) {
        const [a, b, c, d, e, f, g, h, i, j, k, l] = s.n as [number, ...number[]];
        const evicted = shedStats.droppedByReason.evicted + b!;
        const discarded = (shedStats.droppedByReason.discarded ?? 0) + c!;
        const byReason = { full: shedStats.droppedByReason.full + a, evicted };
        shedStats = {
          ...shedStats,
          buffered: Math.min(s.depth, 100),
          emitted: shedStats.emitted + d!,
          droppedByReason: discarded > 0 ? { ...byReason, discarded } : byReason,
          dropped: byReason.full + evicted + discarded,
        };
        shedStats.received += a + b! + c! + d!;
        bufferStats = {
          ...bufferStats,
          buffered: Math.min(s.depth, 100),
          emitted: bufferStats.emitted + e!,
          discarded: bufferStats.discarded + f!,
          producerWaitMs: bufferStats.producerWaitMs + s.waitedMs,
        };
        bufferStats.received += e! + f!;
        breakerStats = {
          ...breakerAt(s.state),
          admitted: breakerStats.admitted + g!,
          rejected: breakerStats.rejected + h!,
          successes: breakerStats.successes + i!,
          failures: breakerStats.failures + j!,
          overloads: breakerStats.overloads + k!,
          inFlight: s.inFlight,
        };
        const failedByKind = { ...solveStats.failedByKind };
        failedByKind[s.failKind] = (failedByKind[s.failKind] ?? 0) + l!;
        solveStats = {
          limit: s.limit,
          inFlight: s.inFlight,
          submits: solveStats.submits + a + d!,
          retries: solveStats.retries + b!,
          resubmits: solveStats.resubmits + c!,
          overloads: solveStats.overloads + e!,
          solved: solveStats.solved + f!,
          failed: solveStats.failed + l!,
          failedByKind,
          breaker: s.state,
        };
        const kinds: Record<string, StageStats> = {
          drop: { kind: 'shed', stats: shedStats },
          buffer: { kind: 'boundedBuffer', stats: bufferStats },
          breaker: { kind: 'circuitBreaker', stats: breakerStats },
          solve: { kind: 'solveStage', stats: solveStats },
        };
        const families = parseExposition(await registry.metrics());
        const expected = Object.entries(kinds).flatMap(([name, e]) => expectedSeries(name, e));
        expectExactly(families, expected);
        for (const family of families.values()) {
          if (family.type !== 'counter') continue;
          for (const sample of family.samples) {
            monotonic(sample.name + JSON.stringify(sample.labels), sample.value);
          }
        }
        // The same values through OpenTelemetry.
        const observed: Record<string, number> = {};
        for (const o of await otel.collect()) {
          if (o.metric === 'bpk.stats_errors') continue;
          observed[o.metric + JSON.stringify(Object.entries(o.labels).sort())] = o.value;
          if (o.kind === 'counter')
            monotonic(`otel ${o.metric}${JSON.stringify(o.labels)}`, o.value);
        }
        const want: Record<string, number> = {};
        for (const e of expected) {
          want[`bpk.${otelName(e.metric)}${JSON.stringify(Object.entries(e.labels).sort())}`] =
            e.value;
        }
        // The OpenTelemetry SDK keeps cumulative sums by adding deltas, which may move a
        // fractional value (seconds waited) by an ulp: equal keys, values equal within 1e-9.
        expect(Object.keys(observed).sort()).toEqual(Object.keys(want).sort());
        for (const [key, value] of Object.entries(want)) {
          expect(Math.abs(observed[key]! - value), key).toBeLessThanOrEqual(
            1e-9 * Math.max(1, Math.abs(value)),
          );
        }
      }
      await otel.shutdown();
      dispose();
    },
  );
});

function breakerAt(state: CircuitState): BreakerStats {
  return {
    state,
    generation: 0,
    admitted: 0,
    rejected: 0,
    successes: 0,
    failures: 0,
    slowCalls: 0,
    overloads: 0,
    ignored: 0,
    stale: 0,
    inFlight: 0,
    consecutiveFailures: 0,
    window: { calls: 0, failures: 0, slow: 0 },
    halfOpen: { admitted: 0, active: 0, reserved: 0, completed: 0 },
    openUntil: undefined,
    opens: 0,
    listenerErrors: 0,
  };
}
