import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import type { Series } from './expected-series.js';

/** A pull reader: the test decides when to collect, as a Prometheus scrape would. */
class PullReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The OpenTelemetry name of a catalog metric, as docs/monitoring.md states the rule. */
export function otelName(prometheusName: string): string {
  return prometheusName.replace(/_total$/, '').replace(/_seconds$/, '');
}

export interface CollectedSeries extends Series {
  readonly kind: 'gauge' | 'counter';
  readonly unit: string;
}

/** A MeterProvider with a pull reader, and `collect()` returning every data point as series. */
export function otelHarness() {
  const reader = new PullReader({
    aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
  });
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('backpressure-kit-test');
  const collect = async (): Promise<CollectedSeries[]> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw errors[0];
    const out: CollectedSeries[] = [];
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        const isCounter = metric.dataPointType === DataPointType.SUM;
        if (isCounter && !metric.isMonotonic)
          throw new Error(`${metric.descriptor.name} not monotonic`);
        if (!isCounter && metric.dataPointType !== DataPointType.GAUGE) {
          throw new Error(`${metric.descriptor.name}: unexpected data point type`);
        }
        for (const point of metric.dataPoints) {
          out.push({
            metric: metric.descriptor.name,
            kind: isCounter ? 'counter' : 'gauge',
            unit: metric.descriptor.unit,
            labels: Object.fromEntries(
              Object.entries(point.attributes).map(([k, v]) => [k, String(v)]),
            ),
            value: point.value as number,
          });
        }
      }
    }
    return out;
  };
  return { meter, collect, shutdown: () => provider.shutdown() };
}
