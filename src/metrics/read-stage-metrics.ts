import { breakerStates, type MetricName } from './metric-catalog.js';

/** One value of one metric for one stage; `label` is the value of the metric's extra label. */
export interface MetricPoint {
  readonly metric: MetricName;
  readonly value: number;
  readonly label?: string;
}

type Stats = Readonly<Record<string, unknown>>;
type Emit = (metric: MetricName, value: unknown, label?: string) => void;

/**
 * Recognises a stats snapshot by the fields that only its stage has. The first match wins, so
 * the more specific shapes come first (a solveStage's stats also have `limit` and `inFlight`).
 */
const readers: readonly { readonly has: readonly string[]; read(s: Stats, emit: Emit): void }[] = [
  { has: ['failedByKind', 'submits'], read: readSolveStage },
  { has: ['droppedByReason', 'capacity'], read: readShed },
  { has: ['highWaterMark', 'producerWaitMs'], read: readBoundedBuffer },
  { has: ['generation', 'admitted', 'rejected'], read: readCircuitBreaker },
  { has: ['started', 'succeeded', 'retried'], read: readAdaptiveMap },
  { has: ['passed', 'delayed', 'limiter'], read: readRateLimit },
  { has: ['passed', 'waits', 'state'], read: readBreakerGate },
];

/**
 * Turns one stage's `stats()` snapshot into metric points. Every stage of the toolkit is
 * recognised by its shape; any other object (a stage of your own) is read by the common field
 * names `buffered`, `capacity`, `inFlight`, `limit`, `received`, `emitted` and `state`.
 * Values that are not finite numbers are left out, never coerced.
 */
export function readStageMetrics(stats: object): MetricPoint[] {
  const points: MetricPoint[] = [];
  const emit: Emit = (metric, value, label) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    points.push(label === undefined ? { metric, value } : { metric, value, label });
  };
  const s = stats as Stats;
  const reader = readers.find((r) => r.has.every((field) => field in s));
  (reader?.read ?? readCommonFields)(s, emit);
  return points;
}

function readBreakerState(state: unknown, emit: Emit): void {
  if (!(breakerStates as readonly unknown[]).includes(state)) return;
  for (const each of breakerStates) emit('breaker_state', each === state ? 1 : 0, each);
}

function readByLabel(metric: MetricName, counts: unknown, emit: Emit): void {
  if (typeof counts !== 'object' || counts === null) return;
  for (const [label, value] of Object.entries(counts)) emit(metric, value, label);
}

function seconds(ms: unknown): unknown {
  return typeof ms === 'number' ? ms / 1000 : ms;
}

function readBoundedBuffer(s: Stats, emit: Emit): void {
  emit('depth', s.buffered);
  emit('capacity', s.highWaterMark);
  emit('received_total', s.received);
  emit('emitted_total', s.emitted);
  emit('dropped_total', s.discarded, 'discarded');
  emit('producer_wait_seconds_total', seconds(s.producerWaitMs));
}

function readShed(s: Stats, emit: Emit): void {
  emit('depth', s.buffered);
  emit('capacity', s.capacity);
  emit('received_total', s.received);
  emit('emitted_total', s.emitted);
  // `discarded` appears in the stats only once something was discarded: report it as 0 before.
  const byReason = s.droppedByReason as Record<string, unknown> | undefined;
  readByLabel('dropped_total', { discarded: 0, ...byReason }, emit);
}

function readAdaptiveMap(s: Stats, emit: Emit): void {
  emit('in_flight', s.inFlight);
  emit('limit', s.limit);
  emit('started_total', s.started);
  emit('succeeded_total', s.succeeded);
  emit('failures_total', s.failed, 'error');
  emit('overloads_total', s.dropped);
  emit('retries_total', s.retried);
}

function readSolveStage(s: Stats, emit: Emit): void {
  emit('in_flight', s.inFlight);
  emit('limit', s.limit);
  readBreakerState(s.breaker, emit);
  emit('started_total', s.submits);
  emit('succeeded_total', s.solved);
  readByLabel('failures_total', s.failedByKind, emit);
  emit('overloads_total', s.overloads);
  emit('retries_total', s.retries);
  emit('resubmits_total', s.resubmits);
}

function readCircuitBreaker(s: Stats, emit: Emit): void {
  emit('in_flight', s.inFlight);
  readBreakerState(s.state, emit);
  emit('started_total', s.admitted);
  emit('succeeded_total', s.successes);
  emit('failures_total', s.failures, 'failure');
  emit('overloads_total', s.overloads);
  emit('rejected_total', s.rejected);
}

function readBreakerGate(s: Stats, emit: Emit): void {
  readBreakerState(s.state, emit);
  emit('emitted_total', s.passed);
  emit('dropped_total', s.discarded, 'discarded');
  emit('waits_total', s.waits);
  emit('producer_wait_seconds_total', seconds(s.waitMs));
}

function readRateLimit(s: Stats, emit: Emit): void {
  emit('emitted_total', s.passed);
  emit('dropped_total', s.discarded, 'discarded');
  emit('waits_total', s.delayed);
  emit('producer_wait_seconds_total', seconds(s.waitMs));
}

function readCommonFields(s: Stats, emit: Emit): void {
  emit('depth', s.buffered);
  emit('capacity', s.capacity);
  emit('in_flight', s.inFlight);
  emit('limit', s.limit);
  readBreakerState(s.state, emit);
  emit('received_total', s.received);
  emit('emitted_total', s.emitted);
}
