import {
  InvalidOptionTypeError,
  InvalidOptionValueError,
  StatsError,
  shed,
} from 'backpressure-kit';
import { registerPrometheusMetrics } from 'backpressure-kit/metrics';
import { VirtualClock } from 'backpressure-kit/testing';
import { type OpenMetricsContentType, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { expectExactly, expectedSeries, type Series } from './expected-series.js';
import { parseExposition, sampleValue } from './parse-exposition.js';
import { drive, pipelines } from './run-pipeline.js';

function expected(kinds: ReturnType<ReturnType<typeof pipelines>['kinds']>): Series[] {
  return Object.entries(kinds).flatMap(([stage, entry]) => expectedSeries(stage, entry));
}

describe('registerPrometheusMetrics', () => {
  it('publishes every stage of a running pipeline, equal to stats() at every scrape', async () => {
    const clock = new VirtualClock();
    const { stages, kinds, runs } = pipelines(clock);
    const registry = new Registry();
    const dispose = registerPrometheusMetrics(registry, stages, { labels: { service: 'test' } });
    let scrapes = 0;
    const seen = { dropped: 0, failedKinds: new Set<string>(), open: false, inFlight: 0 };
    const scrape = async () => {
      // registry.metrics() runs every collect() before its first await: read stats() right after.
      const text = registry.metrics();
      const now = kinds();
      const families = parseExposition(await text);
      expectExactly(families, expected(now), { labels: { service: 'test' } });
      scrapes++;
      seen.dropped = Math.max(
        seen.dropped,
        sampleValue(families, 'bpk_dropped_total', { stage: 'drop', reason: 'full' }),
      );
      seen.open ||=
        sampleValue(families, 'bpk_breaker_state', { stage: 'breaker', state: 'open' }) === 1;
      seen.inFlight = Math.max(
        seen.inFlight,
        sampleValue(families, 'bpk_in_flight', { stage: 'solve' }),
      );
      for (const kind of Object.keys(now.solve.stats.failedByKind)) seen.failedKinds.add(kind);
    };
    await scrape();
    const steps = await drive(clock, runs, scrape);
    await scrape();
    expect(scrapes).toBe(steps + 2);
    // The run exercised what the metrics are for (so the equalities above meant something).
    expect(seen.dropped).toBeGreaterThan(0);
    expect(seen.open).toBe(true);
    expect(seen.inFlight).toBe(3);
    expect([...seen.failedKinds]).toEqual(['fatal-item']);
    const end = kinds();
    expect(end.solve.stats.resubmits).toBeGreaterThan(0);
    expect(end.solve.stats.retries).toBeGreaterThan(0);
    expect(end.map.stats.failed).toBeGreaterThan(0);
    expect(end.breaker.stats.rejected + end.gate.stats.waits).toBeGreaterThan(0);

    const families = parseExposition(await registry.metrics());
    expect(families.get('bpk_depth')?.type).toBe('gauge');
    expect(families.get('bpk_received_total')?.type).toBe('counter');
    expect(families.get('bpk_depth')?.help).toMatch(/Items held/);

    dispose();
    dispose();
    expect(await registry.metrics()).toBe('\n');
    expect(clock.pendingTimers).toBe(0);
  });

  it('reads each stage once per scrape and leaves a throwing one out, counting the error', async () => {
    let reads = 0;
    let broken = false;
    const good = shed<number>(3);
    const flaky = {
      stats: () => {
        reads++;
        if (broken) throw new Error('gone');
        return {
          buffered: 2,
          capacity: 8,
          inFlight: 1,
          limit: 4,
          state: 'closed',
          received: 5,
          emitted: 3,
        };
      },
    };
    const errors: unknown[] = [];
    const registry = new Registry();
    registerPrometheusMetrics(
      registry,
      { good, flaky },
      { prefix: 'app_', onError: (e) => errors.push(e) },
    );
    let families = parseExposition(await registry.metrics());
    expect(reads).toBe(1);
    // A stage of your own is read by the common field names.
    expect(sampleValue(families, 'app_depth', { stage: 'flaky' })).toBe(2);
    expect(sampleValue(families, 'app_capacity', { stage: 'flaky' })).toBe(8);
    expect(sampleValue(families, 'app_in_flight', { stage: 'flaky' })).toBe(1);
    expect(sampleValue(families, 'app_limit', { stage: 'flaky' })).toBe(4);
    expect(sampleValue(families, 'app_breaker_state', { stage: 'flaky', state: 'closed' })).toBe(1);
    expect(sampleValue(families, 'app_received_total', { stage: 'flaky' })).toBe(5);
    expect(sampleValue(families, 'app_emitted_total', { stage: 'flaky' })).toBe(3);
    expect(sampleValue(families, 'app_stats_errors_total', { stage: 'flaky' })).toBe(0);

    broken = true;
    families = parseExposition(await registry.metrics());
    families = parseExposition(await registry.metrics());
    expect(reads).toBe(3);
    expect(sampleValue(families, 'app_stats_errors_total', { stage: 'flaky' })).toBe(2);
    expect(sampleValue(families, 'app_stats_errors_total', { stage: 'good' })).toBe(0);
    expect(families.get('app_depth')!.samples.map((s) => s.labels.stage)).toEqual(['good']);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(StatsError);
    expect((errors[0] as StatsError).stage).toBe('flaky');
  });

  it('registers beside other metrics, refuses taken names, and disposes only its own', async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const stages = { s: shed<number>(3) };
    const first = registerPrometheusMetrics(registry, stages);
    expect(() => registerPrometheusMetrics(registry, stages)).toThrow(InvalidOptionValueError);
    expect(() => registerPrometheusMetrics(registry, stages)).toThrow(/bpk_depth is taken/);
    const second = registerPrometheusMetrics(registry, stages, { prefix: 'other_' });
    const text = await registry.metrics();
    expect(text).toContain('bpk_received_total{stage="s"} 0');
    expect(text).toContain('other_received_total{stage="s"} 0');
    first();
    const after = await registry.metrics();
    expect(after).not.toContain('bpk_');
    expect(after).toContain('other_depth');
    second();
    expect(registry.getMetricsAsArray()).toHaveLength(0);
  });

  it('refuses bad arguments at call time with typed errors', () => {
    const registry = new Registry();
    const stages = { s: shed<number>(3) };
    const call = (r: unknown, s: unknown, o?: unknown) => () =>
      registerPrometheusMetrics(r as Registry, s as typeof stages, o as object);
    expect(call({}, stages)).toThrow(InvalidOptionTypeError);
    expect(call(registry, {})).toThrow(/`stages`/);
    expect(call(registry, { s: {} })).toThrow(/`stages.s`/);
    expect(call(registry, stages, { prefix: '1abc' })).toThrow(InvalidOptionValueError);
    expect(call(registry, stages, { prefix: 'a-b' })).toThrow(/`prefix`/);
    expect(call(registry, stages, { prefix: 3 })).toThrow(InvalidOptionTypeError);
    expect(call(registry, stages, { labels: { stage: 'x' } })).toThrow(/`labels`/);
    expect(call(registry, stages, { labels: { __x: 'x' } })).toThrow(InvalidOptionValueError);
    expect(call(registry, stages, { labels: { 'a-b': 'x' } })).toThrow(InvalidOptionValueError);
    expect(call(registry, stages, { labels: { a: 1 } })).toThrow(/`labels.a` to be a string/);
    expect(call(registry, stages, { onError: 'log' })).toThrow(/`onError`/);
    expect(call(registry, stages, 'bpk_')).toThrow(/`options`/);
    expect(registry.getMetricsAsArray()).toHaveLength(0);
    // An empty prefix is allowed.
    registerPrometheusMetrics(registry, stages, { prefix: '' });
    expect(registry.getSingleMetric('depth')).toBeDefined();
  });
});
