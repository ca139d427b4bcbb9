/**
 * The metrics every exporter publishes, in one table: the Prometheus and OpenTelemetry exporters
 * both register exactly these, and `docs/monitoring.md` documents them. Names are without the
 * prefix; Prometheus counters end in `_total`, their OpenTelemetry twins drop it.
 */

/** The extra label (attribute) a metric carries besides `stage`, if any. */
export type MetricLabel = 'state' | 'reason' | 'kind';

/** One metric of the catalog. */
export interface MetricDefinition {
  /** Prometheus name without prefix, e.g. `depth` or `received_total`. */
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  /** The extra label, e.g. `reason` for `dropped_total`. */
  readonly label?: MetricLabel;
  /** Unit for OpenTelemetry (UCUM), e.g. `s` or `{item}`. */
  readonly unit: string;
  readonly help: string;
}

export const metricCatalog = [
  {
    name: 'depth',
    type: 'gauge',
    unit: '{item}',
    help: 'Items held by the stage right now, waiting for its consumer (boundedBuffer, shed).',
  },
  {
    name: 'capacity',
    type: 'gauge',
    unit: '{item}',
    help: 'Most items the stage may hold (boundedBuffer highWaterMark, shed capacity).',
  },
  {
    name: 'in_flight',
    type: 'gauge',
    unit: '{call}',
    help: 'Calls running right now (adaptiveMap, solveStage, circuitBreaker permits).',
  },
  {
    name: 'limit',
    type: 'gauge',
    unit: '{call}',
    help: 'Concurrency limit right now (adaptiveMap, solveStage).',
  },
  {
    name: 'breaker_state',
    type: 'gauge',
    label: 'state',
    unit: '1',
    help: 'Circuit breaker state: 1 for the current state, 0 for the others (closed, open, half-open, isolated).',
  },
  {
    name: 'received_total',
    type: 'counter',
    unit: '{item}',
    help: 'Items taken from the source (boundedBuffer, shed).',
  },
  {
    name: 'emitted_total',
    type: 'counter',
    unit: '{item}',
    help: 'Items handed downstream (boundedBuffer, shed, breakerGate, rateLimit).',
  },
  {
    name: 'dropped_total',
    type: 'counter',
    label: 'reason',
    unit: '{item}',
    help: 'Items dropped, by reason: full, evicted (shed), discarded (unconsumed at an early exit or abort).',
  },
  {
    name: 'started_total',
    type: 'counter',
    unit: '{call}',
    help: 'Calls started, retries included (adaptiveMap calls, solveStage submits, circuitBreaker permits).',
  },
  {
    name: 'succeeded_total',
    type: 'counter',
    unit: '{item}',
    help: 'Items or calls that succeeded (adaptiveMap, solveStage solved, circuitBreaker successes).',
  },
  {
    name: 'failures_total',
    type: 'counter',
    label: 'kind',
    unit: '{item}',
    help: 'Failures by kind: solver error kinds (solveStage), error (adaptiveMap), failure (circuitBreaker).',
  },
  {
    name: 'overloads_total',
    type: 'counter',
    unit: '{call}',
    help: 'Calls the service refused as overloaded (adaptiveMap drops, solveStage overloads, circuitBreaker overloads).',
  },
  {
    name: 'retries_total',
    type: 'counter',
    unit: '{call}',
    help: 'Retries scheduled (adaptiveMap after a drop, solveStage after a transient failure).',
  },
  {
    name: 'resubmits_total',
    type: 'counter',
    unit: '{call}',
    help: 'Tasks submitted again after an unsolvable answer (solveStage).',
  },
  {
    name: 'rejected_total',
    type: 'counter',
    unit: '{call}',
    help: 'Calls refused by an open or isolated circuit breaker.',
  },
  {
    name: 'waits_total',
    type: 'counter',
    unit: '{wait}',
    help: 'Times the stage made its source wait (breakerGate waits, rateLimit delayed items).',
  },
  {
    name: 'producer_wait_seconds_total',
    type: 'counter',
    unit: 's',
    help: 'Seconds the stage kept its source waiting (boundedBuffer full, breakerGate closed to flow, rateLimit out of tokens).',
  },
  {
    name: 'stats_errors_total',
    type: 'counter',
    unit: '{error}',
    help: 'Times reading the stage stats() threw while collecting; that stage is missing from that collection.',
  },
] as const satisfies readonly MetricDefinition[];

/** A metric name of the catalog, without prefix. */
export type MetricName = (typeof metricCatalog)[number]['name'];

/** The four states of a circuit breaker, in the order `breaker_state` reports them. */
export const breakerStates = ['closed', 'open', 'half-open', 'isolated'] as const;
