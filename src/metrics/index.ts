/**
 * `backpressure-kit/metrics`: the stats of any stage as Prometheus (prom-client) or
 * OpenTelemetry metrics, and a small `/metrics` endpoint. prom-client and `@opentelemetry/api`
 * are optional peer dependencies: install the one you use. `monitor()` lives in the root entry.
 */

export type { MetricDefinition, MetricLabel, MetricName } from './metric-catalog.js';
export { breakerStates, metricCatalog } from './metric-catalog.js';
export type { PrometheusMetricsOptions, PrometheusRegistry } from './prometheus.js';
export { registerPrometheusMetrics } from './prometheus.js';
export type { MetricPoint } from './read-stage-metrics.js';
export { readStageMetrics } from './read-stage-metrics.js';
export type { MetricsServer, MetricsSource, ServeMetricsOptions } from './serve-metrics.js';
export { serveMetrics } from './serve-metrics.js';
