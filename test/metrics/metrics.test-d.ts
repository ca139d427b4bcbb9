import type { Meter } from '@opentelemetry/api';
import {
  type BoundedBufferStats,
  type BreakerStats,
  boundedBuffer,
  circuitBreaker,
  type MonitorTick,
  monitor,
} from 'backpressure-kit';
import type {
  MetricsSource,
  OpenTelemetryMeter,
  PrometheusRegistry,
} from 'backpressure-kit/metrics';
import type { SolveStage, SolveStageStats } from 'backpressure-kit/solver';
import type { OpenMetricsContentType, Registry } from 'prom-client';
import { describe, expectTypeOf, it } from 'vitest';

describe('metrics types', () => {
  it('monitor types each sample entry as the stage stats() type', () => {
    const buffer = boundedBuffer<number>(3);
    const breaker = circuitBreaker();
    const solve = {} as SolveStage;
    const dispose = monitor(
      { buffer, breaker, solve },
      {
        intervalMs: 1_000,
        onSample: (sample, tick) => {
          expectTypeOf(sample.buffer).toEqualTypeOf<BoundedBufferStats>();
          expectTypeOf(sample.breaker).toEqualTypeOf<BreakerStats>();
          expectTypeOf(sample.solve).toEqualTypeOf<SolveStageStats>();
          expectTypeOf(tick).toEqualTypeOf<MonitorTick>();
          // @ts-expect-error: no such stage
          void sample.other;
        },
      },
    );
    expectTypeOf(dispose).toEqualTypeOf<() => void>();
  });

  it('a prom-client Registry and an OpenTelemetry Meter fit the structural types', () => {
    expectTypeOf<Registry>().toExtend<PrometheusRegistry>();
    expectTypeOf<Registry<OpenMetricsContentType>>().toExtend<PrometheusRegistry>();
    expectTypeOf<Registry>().toExtend<MetricsSource>();
    expectTypeOf<Meter>().toExtend<OpenTelemetryMeter>();
  });
});
