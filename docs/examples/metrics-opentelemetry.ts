import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { adaptiveMap, boundedBuffer } from 'backpressure-kit';
import { registerOpenTelemetryMetrics } from 'backpressure-kit/metrics';

// Your OpenTelemetry setup: here an in-memory exporter; in production an OTLP exporter.
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
const provider = new MeterProvider({ readers: [reader] });

const buffer = boundedBuffer<number>(10);
const solveAll = adaptiveMap(async (n: number) => sleep(1).then(() => n * 2), { max: 8 });
const dispose = registerOpenTelemetryMetrics(
  provider.getMeter('scraper'),
  { buffer, solveAll },
  { attributes: { 'service.name': 'scraper' } },
);

for await (const _ of solveAll(buffer(Array.from({ length: 100 }, (_, i) => i)))) {
  // use the result
}

await reader.forceFlush(); // the SDK collects: one batch callback reads every stats() once
const seen: string[] = [];
for (const metric of exporter.getMetrics()[0]!.scopeMetrics[0]!.metrics) {
  const points = metric.dataPoints.map((p) => `${p.attributes.stage}=${p.value}`).join(' ');
  if (/bpk\.(received|succeeded|limit)$/.test(metric.descriptor.name))
    seen.push(`${metric.descriptor.name} ${points}`);
}
assert.deepEqual(seen.sort(), [
  'bpk.limit solveAll=4', // where the adaptive limit starts; it moves as latencies come in
  'bpk.received buffer=100',
  'bpk.succeeded solveAll=100',
]);

dispose();
await provider.shutdown();
