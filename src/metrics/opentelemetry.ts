import { exporterOptions } from './exporter-options.js';
import { metricCatalog } from './metric-catalog.js';
import type { StatsError } from './stats-error.js';
import type { StatsSources } from './stats-source.js';
import { withMethods } from './with-methods.js';

/** An attribute value OpenTelemetry accepts on a data point. */
export type OpenTelemetryAttributeValue = string | number | boolean;

/** What the exporter's batch callback observes into (the API's `BatchObservableResult`). */
export interface OpenTelemetryBatchResult {
  /** Records `value` for `observable` (one of the callback's instruments) with these attributes. */
  observe(
    observable: object,
    value: number,
    attributes?: Record<string, OpenTelemetryAttributeValue>,
  ): void;
}

/**
 * The part of an `@opentelemetry/api` `Meter` the exporter uses. Any `Meter` fits; the type is
 * structural so this module's types need no OpenTelemetry package.
 */
export interface OpenTelemetryMeter {
  /** Creates an observable gauge; the exporter makes one per gauge of the catalog. */
  createObservableGauge(name: string, options?: { description?: string; unit?: string }): object;
  /** Creates an observable monotonic counter; the exporter makes one per counter of the catalog. */
  createObservableCounter(name: string, options?: { description?: string; unit?: string }): object;
  /** Calls `callback` at every collection to observe all of `observables` at once. */
  addBatchObservableCallback(
    callback: (result: OpenTelemetryBatchResult) => void,
    observables: object[],
  ): void;
  /** Removes a callback added with the same `callback` and `observables`; the disposer calls it. */
  removeBatchObservableCallback(
    callback: (result: OpenTelemetryBatchResult) => void,
    observables: object[],
  ): void;
}

/** Options of {@link registerOpenTelemetryMetrics}. */
export interface OpenTelemetryMetricsOptions {
  /** Prepended to every instrument name; `''` or starting with a letter. @default 'bpk.' */
  prefix?: string | undefined;
  /**
   * Constant attributes added to every data point, e.g. `{ 'service.name': 'scraper' }`; not
   * `stage`, `state`, `reason` or `kind`, which the exporter sets.
   */
  attributes?: Readonly<Record<string, OpenTelemetryAttributeValue>> | undefined;
  /** Receives a {@link StatsError} when a stage's `stats()` throws during a collection. */
  onError?: ((error: StatsError) => void) | undefined;
}

const meterMethods = [
  'createObservableGauge',
  'createObservableCounter',
  'addBatchObservableCallback',
  'removeBatchObservableCallback',
];
const INSTRUMENT_NAME = /^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/;
const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;

/**
 * The OpenTelemetry name of a catalog metric: OpenTelemetry keeps units out of names and
 * exporters add `_total` themselves, so `producer_wait_seconds_total` becomes `producer_wait`
 * (unit `s`) and `received_total` becomes `received`.
 */
export function openTelemetryName(prometheusName: string): string {
  return prometheusName.replace(/_total$/, '').replace(/_seconds$/, '');
}

/**
 * Publishes the same metrics as `registerPrometheusMetrics` (the table in
 * `docs/monitoring.md`) through the OpenTelemetry metrics API: an observable gauge or an
 * observable (monotonic, cumulative) counter per metric on `meter`, named `prefix` + the
 * OpenTelemetry name (`bpk.depth`, `bpk.received`, `bpk.producer_wait` in seconds …), each
 * data point with the attribute `stage` (the record's key) plus the constant `attributes`.
 *
 * One batch observable callback reads every stage's `stats()` once per collection: no timer.
 * A `stats()` that throws leaves that stage out of the collection and counts in its
 * `stats_errors`. Returns a disposer that removes the callback (the API cannot remove the
 * instruments themselves; they report nothing afterwards). `@opentelemetry/api` is an optional
 * peer dependency; the exporter uses only the `meter` you pass.
 *
 * @throws TypeError / RangeError at once for a bad option.
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * const dispose = registerOpenTelemetryMetrics(metrics.getMeter('scraper'), { buffer, solve });
 * ```
 */
export function registerOpenTelemetryMetrics(
  meter: OpenTelemetryMeter,
  stages: StatsSources,
  options: OpenTelemetryMetricsOptions = {},
): () => void {
  withMethods('meter', meter, meterMethods, 'an OpenTelemetry Meter');
  const { prefix, constant, read } = exporterOptions(stages, options, {
    defaultPrefix: 'bpk.',
    name: INSTRUMENT_NAME,
    labelsOption: 'attributes',
    labels: {
      name: ATTRIBUTE_NAME,
      value: (v): v is OpenTelemetryAttributeValue =>
        typeof v === 'string' ||
        typeof v === 'boolean' ||
        (typeof v === 'number' && Number.isFinite(v)),
      expectedValue: 'a string, a finite number or a boolean',
    },
  });
  const instruments = new Map(
    metricCatalog.map((definition) => {
      const name = prefix + openTelemetryName(definition.name);
      const described = { description: definition.help, unit: definition.unit };
      const instrument =
        definition.type === 'gauge'
          ? meter.createObservableGauge(name, described)
          : meter.createObservableCounter(name, described);
      return [
        definition.name,
        { instrument, label: 'label' in definition ? definition.label : undefined },
      ];
    }),
  );
  const callback = (result: OpenTelemetryBatchResult): void => {
    for (const { stage, points } of read()) {
      for (const point of points) {
        const { instrument, label } = instruments.get(point.metric)!;
        const attributes: Record<string, OpenTelemetryAttributeValue> = { ...constant, stage };
        if (label !== undefined && point.label !== undefined) attributes[label] = point.label;
        result.observe(instrument, point.value, attributes);
      }
    }
  };
  const observables = [...instruments.values()].map((i) => i.instrument);
  meter.addBatchObservableCallback(callback, observables);
  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    meter.removeBatchObservableCallback(callback, observables);
  };
}
