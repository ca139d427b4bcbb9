import {
  InvalidOptionTypeError,
  InvalidOptionValueError,
  StatsError,
  shed,
} from 'backpressure-kit';
import { registerOpenTelemetryMetrics } from 'backpressure-kit/metrics';
import { VirtualClock } from 'backpressure-kit/testing';
import { describe, expect, it } from 'vitest';
import { expectedSeries } from './expected-series.js';
import { type CollectedSeries, otelHarness, otelName } from './otel-reader.js';
import { drive, pipelines } from './run-pipeline.js';

const key = (metric: string, labels: Readonly<Record<string, string>>) =>
  `${metric}${JSON.stringify(Object.entries(labels).sort())}`;

function byKey(series: readonly CollectedSeries[], prefix: string) {
  const out: Record<string, number> = {};
  for (const s of series) {
    if (s.metric === `${prefix}stats_errors`) {
      expect(s.value).toBe(0);
      continue;
    }
    out[key(s.metric, s.labels)] = s.value;
  }
  return out;
}

describe('registerOpenTelemetryMetrics', () => {
  it('observes every stage of a running pipeline on a Meter, equal to stats() at every collection', async () => {
    const clock = new VirtualClock();
    const { stages, kinds, runs } = pipelines(clock);
    const otel = otelHarness();
    const dispose = registerOpenTelemetryMetrics(otel.meter, stages, {
      attributes: { 'service.name': 'test', replica: 2 },
    });
    let collections = 0;
    let sawOpen = false;
    const check = async () => {
      const series = await otel.collect();
      const now = kinds();
      const expected: Record<string, number> = {};
      for (const [stage, entry] of Object.entries(now)) {
        for (const s of expectedSeries(stage, entry)) {
          const labels = { ...s.labels, 'service.name': 'test', replica: '2' };
          expected[key(`bpk.${otelName(s.metric)}`, labels)] = s.value;
        }
      }
      expect(byKey(series, 'bpk.')).toEqual(expected);
      for (const s of series) {
        expect(s.kind).toBe(
          s.metric.match(/depth|capacity|in_flight|limit|state$/) ? 'gauge' : 'counter',
        );
      }
      sawOpen ||= now.breaker.stats.state === 'open';
      collections++;
    };
    await check();
    const steps = await drive(clock, runs, check);
    await check();
    expect(collections).toBe(steps + 2);
    expect(sawOpen).toBe(true);

    const series = await otel.collect();
    const unitOf = (name: string) => series.find((s) => s.metric === name)?.unit;
    expect(unitOf('bpk.producer_wait')).toBe('s');
    expect(unitOf('bpk.depth')).toBe('{item}');

    // After dispose the callback is gone: no stats() is read any more. (The SDK, cumulative,
    // may keep exporting the last values it saw; they no longer change.)
    let reads = 0;
    const original = stages.drop.stats;
    stages.drop.stats = () => {
      reads++;
      return original();
    };
    await otel.collect();
    expect(reads).toBe(1);
    dispose();
    dispose();
    const before = await otel.collect();
    expect(reads).toBe(1);
    for (const s of before) expect(s.metric.startsWith('bpk.')).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    await otel.shutdown();
  });

  it('leaves a throwing stats() out of a collection and counts it in stats_errors', async () => {
    const otel = otelHarness();
    let broken = false;
    const flaky = {
      stats: () => {
        if (broken) throw new Error('gone');
        return { buffered: 7 };
      },
    };
    const errors: unknown[] = [];
    registerOpenTelemetryMetrics(
      otel.meter,
      { good: shed<number>(3), flaky },
      { prefix: 'app.', onError: (e) => errors.push(e) },
    );
    const value = (series: CollectedSeries[], metric: string, stage: string) =>
      series.filter((s) => s.metric === metric && s.labels.stage === stage).map((s) => s.value);
    let series = await otel.collect();
    expect(value(series, 'app.depth', 'flaky')).toEqual([7]);
    broken = true;
    series = await otel.collect();
    // The SDK keeps the last value of a series that was not observed; ours did not change it.
    expect(value(series, 'app.depth', 'flaky')).toEqual([7]);
    expect(value(series, 'app.depth', 'good')).toEqual([0]);
    expect(value(series, 'app.stats_errors', 'flaky')).toEqual([1]);
    expect(value(series, 'app.stats_errors', 'good')).toEqual([0]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StatsError);
    await otel.shutdown();
  });

  it('refuses bad arguments at call time with typed errors', () => {
    const { meter } = otelHarness();
    const stages = { s: shed<number>(3) };
    const call = (m: unknown, s: unknown, o?: unknown) => () =>
      registerOpenTelemetryMetrics(m as typeof meter, s as typeof stages, o as object);
    expect(call({}, stages)).toThrow(InvalidOptionTypeError);
    expect(call(meter, {})).toThrow(/`stages`/);
    expect(call(meter, { s: 1 })).toThrow(/`stages.s`/);
    expect(call(meter, stages, { prefix: '1bpk.' })).toThrow(InvalidOptionValueError);
    expect(call(meter, stages, { prefix: 'bpk!' })).toThrow(/`prefix`/);
    expect(call(meter, stages, { attributes: { stage: 'x' } })).toThrow(/`attributes`/);
    expect(call(meter, stages, { attributes: { a: {} } })).toThrow(InvalidOptionTypeError);
    expect(call(meter, stages, { attributes: { a: Number.NaN } })).toThrow(/`attributes.a`/);
    expect(call(meter, stages, { onError: 1 })).toThrow(/`onError`/);
  });
});
