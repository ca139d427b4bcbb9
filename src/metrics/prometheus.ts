import { InvalidOptionTypeError, InvalidOptionValueError } from '../errors.js';
import * as validate from '../internal/validate.js';
import { loadPeer } from './load-peer.js';
import { type MetricDefinition, metricCatalog } from './metric-catalog.js';
import { metricLabels } from './metric-labels.js';
import { type StagePoints, statsReader } from './read-all-stages.js';
import type { StatsError } from './stats-error.js';
import { type StatsSources, statsSources } from './stats-source.js';

/**
 * The part of a prom-client `Registry` the exporter uses. A prom-client `Registry` (or the
 * default `register`) fits; the type is structural so this module's types need no prom-client.
 */
export interface PrometheusRegistry {
  registerMetric(metric: never): void;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
  metrics(): Promise<string>;
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
 * prom-client is an optional peer dependency: install it to use this function.
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
  checkRegistry(registry);
  statsSources('stages', stages);
  const opts = validate.object<PrometheusMetricsOptions>('options', options);
  const prefix = validate.optional(opts.prefix, 'bpk_', (v) => checkPrefix(v));
  const constantLabels = metricLabels('labels', opts.labels, {
    name: PROMETHEUS_LABEL,
    value: (v): v is string => typeof v === 'string',
    expectedValue: 'a string',
  });
  const onError = validate.optional(opts.onError, undefined, (v) =>
    validate.func<(error: StatsError) => void>('onError', v),
  );
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
  const snapshot = scrapeSnapshot(statsReader(stages, onError));
  const metrics = metricCatalog.map((definition) =>
    createMetric(client, registry, prefix, definition, constantLabels, snapshot),
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
          const labels: Record<string, string> = { ...constantLabels, stage };
          if (definition.label && point.label !== undefined) labels[definition.label] = point.label;
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

function checkRegistry(registry: unknown): void {
  const methods = ['registerMetric', 'getSingleMetric', 'removeSingleMetric', 'metrics'] as const;
  const fits =
    typeof registry === 'object' &&
    registry !== null &&
    methods.every((m) => typeof (registry as Record<string, unknown>)[m] === 'function');
  if (!fits) {
    throw new InvalidOptionTypeError({
      option: 'registry',
      expected: 'a prom-client Registry',
      received: registry,
    });
  }
}

function checkPrefix(value: unknown): string {
  const prefix = validate.string('prefix', value);
  if (prefix !== '' && !PROMETHEUS_NAME.test(prefix)) {
    throw new InvalidOptionValueError({
      option: 'prefix',
      expected: `'' or a Prometheus name start (${PROMETHEUS_NAME.source})`,
      received: value,
    });
  }
  return prefix;
}
