import { InvalidOptionValueError } from '../errors.js';
import { exporterOptions } from './exporter-options.js';
import { loadPeer } from './load-peer.js';
import { type MetricDefinition, metricCatalog } from './metric-catalog.js';
import type { StagePoints } from './read-all-stages.js';
import type { StatsError } from './stats-error.js';
import type { StatsSources } from './stats-source.js';
import { withMethods } from './with-methods.js';

/**
 * The part of a prom-client `Registry` the exporter uses. A prom-client `Registry` (or the
 * default `register`) fits; the type is structural so this module's types need no prom-client.
 */
export interface PrometheusRegistry {
  /**
   * Adds a metric. prom-client's `Gauge` and `Counter` call it for every registry in their
   * `registers`; the exporter never calls it itself, hence `never`: any `Registry` fits.
   */
  registerMetric(metric: never): void;
  /** The metric registered under `name`, or `undefined`; used to refuse names already taken. */
  getSingleMetric(name: string): unknown;
  /** Removes the metric registered under `name`; the disposer calls it for each of its own. */
  removeSingleMetric(name: string): void;
  /** Collects every metric (running the exporter's `collect()`) as exposition text. */
  metrics(): Promise<string>;
  /** The `Content-Type` of the text `metrics()` returns (Prometheus text or OpenMetrics). */
  readonly contentType: string;
}

/** Options of {@link registerPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** Prepended to every metric name; a valid Prometheus name start, or `''`. @default 'bpk_' */
  prefix?: string | undefined;
  /**
   * Constant labels added to every series, e.g. `{ service: 'scraper' }`. Names must be valid
   * Prometheus label names, not start with `__`, and not be `stage`, `state`, `reason` or `kind`.
   */
  labels?: Readonly<Record<string, string>> | undefined;
  /** Receives a {@link StatsError} when a stage's `stats()` throws during a scrape. */
  onError?: ((error: StatsError) => void) | undefined;
}

interface PromMetric {
  readonly name: string;
  reset(): void;
}
interface PromGauge extends PromMetric {
  set(labels: Record<string, string>, value: number): void;
}
interface PromCounter extends PromMetric {
  inc(labels: Record<string, string>, value: number): void;
}
interface PromMetricConfig {
  name: string;
  help: string;
  labelNames: string[];
  registers: PrometheusRegistry[];
  collect(): void;
}
interface PromClient {
  Gauge: new (config: PromMetricConfig) => PromGauge;
  Counter: new (config: PromMetricConfig) => PromCounter;
}

const registryMethods = ['registerMetric', 'getSingleMetric', 'removeSingleMetric', 'metrics'];
const PROMETHEUS_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const PROMETHEUS_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Publishes the stats of the given stages (and breakers) as Prometheus metrics in a prom-client
 * `Registry`: gauges `depth`, `capacity`, `in_flight`, `limit`, `breaker_state` and counters
 * `received_total`, `emitted_total`, `dropped_total{reason}`, `failures_total{kind}`,
 * `retries_total` and more (the table in `docs/monitoring.md`), each series labelled with
 * `stage` (the record's key) and the constant `labels`.
 *
 * Values are read from `stats()` when the registry is scraped (prom-client `collect()`
 * callbacks, one `stats()` call per stage per scrape): no timer, nothing to keep in sync.
 * A `stats()` that throws leaves that stage out of the scrape and counts in its
 * `stats_errors_total`; the scrape itself succeeds.
 *
 * Returns a disposer that removes every metric it registered (harmless to call twice).
 * prom-client is a dependency of backpressure-kit (the CLI serves metrics with it); pass the
 * `Registry` of your own copy.
 *
 * @throws TypeError / RangeError at once for a bad option, and a RangeError naming `prefix` when
 * one of the names is already registered in `registry`; `ERR_BPK_MISSING_PEER` without prom-client.
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { registerPrometheusMetrics, serveMetrics } from 'backpressure-kit/metrics';
 *
 * const registry = new Registry();
 * const dispose = registerPrometheusMetrics(registry, { buffer, solve, breaker: solve.breaker }, {
 *   labels: { service: 'scraper' },
 * });
 * const server = await serveMetrics(registry, { port: 9464 });
 * ```
 */
export function registerPrometheusMetrics(
  registry: PrometheusRegistry,
  stages: StatsSources,
  options: PrometheusMetricsOptions = {},
): () => void {
  withMethods('registry', registry, registryMethods, 'a prom-client Registry');
  const { prefix, constant, read } = exporterOptions(stages, options, {
    defaultPrefix: 'bpk_',
    name: PROMETHEUS_NAME,
    labelsOption: 'labels',
    labels: {
      name: PROMETHEUS_LABEL,
      value: (v): v is string => typeof v === 'string',
      expectedValue: 'a string',
    },
  });
  for (const definition of metricCatalog) {
    if (registry.getSingleMetric(prefix + definition.name) !== undefined) {
      throw new InvalidOptionValueError({
        option: 'prefix',
        expected: `a prefix whose metric names are free in the registry (${prefix}${definition.name} is taken)`,
        received: prefix,
      });
    }
  }
  const client = loadPeer<PromClient>('prom-client', 'registerPrometheusMetrics');
  const snapshot = scrapeSnapshot(read);
  const metrics = metricCatalog.map((definition) =>
    createMetric(client, registry, prefix, definition, constant, snapshot),
  );
  // Keep the names registered under: prom-client renames counters in OpenMetrics mode.
  const registered = metrics.map((metric) => [metric.name, metric] as const);
  return () => {
    for (const [name, metric] of registered) {
      if (registry.getSingleMetric(name) === metric) registry.removeSingleMetric(name);
    }
  };
}

function createMetric(
  client: PromClient,
  registry: PrometheusRegistry,
  prefix: string,
  definition: MetricDefinition,
  constantLabels: Readonly<Record<string, string>>,
  snapshot: () => readonly StagePoints[],
): PromMetric {
  const labelNames = ['stage', ...(definition.label ? [definition.label] : [])];
  const config: PromMetricConfig = {
    name: prefix + definition.name,
    help: definition.help,
    labelNames: [...labelNames, ...Object.keys(constantLabels)],
    registers: [registry],
    collect: () => {
      metric.reset();
      for (const { stage, points } of snapshot()) {
        for (const point of points) {
          if (point.metric !== definition.name) continue;
          const labels: Record<string, string> = { stage };
          if (definition.label && point.label !== undefined) labels[definition.label] = point.label;
          Object.assign(labels, constantLabels);
          if (definition.type === 'gauge') (metric as PromGauge).set(labels, point.value);
          else (metric as PromCounter).inc(labels, point.value);
        }
      }
    },
  };
  const metric: PromMetric =
    definition.type === 'gauge' ? new client.Gauge(config) : new client.Counter(config);
  return metric;
}

/**
 * One reading of every stage per scrape: prom-client starts every metric's `collect()` in the
 * same synchronous pass of `registry.metrics()`, so the reading is kept until the next
 * microtask. All the series of one scrape then come from the same snapshot (no mismatch
 * between `received_total` and `emitted_total`), at one `stats()` call per stage.
 */
function scrapeSnapshot(read: () => StagePoints[]): () => readonly StagePoints[] {
  let current: StagePoints[] | undefined;
  return () => {
    if (current === undefined) {
      current = read();
      queueMicrotask(() => {
        current = undefined;
      });
    }
    return current;
  };
}
