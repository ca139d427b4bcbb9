import type {
  AdaptiveMapStats,
  BoundedBufferStats,
  BreakerGateStats,
  BreakerStats,
  RateLimitStats,
  ShedStats,
} from 'backpressure-kit';
import type { SolveStageStats } from 'backpressure-kit/solver';
import { expect } from 'vitest';
import type { Family } from './parse-exposition.js';

/**
 * What the exporters must publish for each kind of stage, written out field by field from the
 * table in docs/monitoring.md (independently of src/metrics/read-stage-metrics.ts, so a wrong
 * mapping there fails the tests).
 */
export type StageStats =
  | { kind: 'boundedBuffer'; stats: BoundedBufferStats }
  | { kind: 'shed'; stats: ShedStats }
  | { kind: 'rateLimit'; stats: RateLimitStats }
  | { kind: 'breakerGate'; stats: BreakerGateStats }
  | { kind: 'circuitBreaker'; stats: BreakerStats }
  | { kind: 'adaptiveMap'; stats: AdaptiveMapStats }
  | { kind: 'solveStage'; stats: SolveStageStats };

export interface Series {
  /** Metric name without prefix, Prometheus style (`received_total`). */
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const states = ['closed', 'open', 'half-open', 'isolated'] as const;

export function expectedSeries(stage: string, entry: StageStats): Series[] {
  const out: Series[] = [];
  const add = (metric: string, value: number, extra: Record<string, string> = {}) =>
    out.push({ metric, labels: { stage, ...extra }, value });
  const state = (current: string) => {
    for (const s of states) add('breaker_state', s === current ? 1 : 0, { state: s });
  };
  switch (entry.kind) {
    case 'boundedBuffer': {
      const s = entry.stats;
      add('depth', s.buffered);
      add('capacity', s.highWaterMark);
      add('received_total', s.received);
      add('emitted_total', s.emitted);
      add('dropped_total', s.discarded, { reason: 'discarded' });
      add('producer_wait_seconds_total', s.producerWaitMs / 1000);
      break;
    }
    case 'shed': {
      const s = entry.stats;
      add('depth', s.buffered);
      add('capacity', s.capacity);
      add('received_total', s.received);
      add('emitted_total', s.emitted);
      add('dropped_total', s.droppedByReason.full, { reason: 'full' });
      add('dropped_total', s.droppedByReason.evicted, { reason: 'evicted' });
      add('dropped_total', s.droppedByReason.discarded ?? 0, { reason: 'discarded' });
      break;
    }
    case 'rateLimit': {
      const s = entry.stats;
      add('emitted_total', s.passed);
      add('dropped_total', s.discarded, { reason: 'discarded' });
      add('waits_total', s.delayed);
      add('producer_wait_seconds_total', s.waitMs / 1000);
      break;
    }
    case 'breakerGate': {
      const s = entry.stats;
      state(s.state);
      add('emitted_total', s.passed);
      add('dropped_total', s.discarded, { reason: 'discarded' });
      add('waits_total', s.waits);
      add('producer_wait_seconds_total', s.waitMs / 1000);
      break;
    }
    case 'circuitBreaker': {
      const s = entry.stats;
      add('in_flight', s.inFlight);
      state(s.state);
      add('started_total', s.admitted);
      add('succeeded_total', s.successes);
      add('failures_total', s.failures, { kind: 'failure' });
      add('overloads_total', s.overloads);
      add('rejected_total', s.rejected);
      break;
    }
    case 'adaptiveMap': {
      const s = entry.stats;
      add('in_flight', s.inFlight);
      add('limit', s.limit);
      add('started_total', s.started);
      add('succeeded_total', s.succeeded);
      add('failures_total', s.failed, { kind: 'error' });
      add('overloads_total', s.dropped);
      add('retries_total', s.retried);
      break;
    }
    case 'solveStage': {
      const s = entry.stats;
      add('in_flight', s.inFlight);
      add('limit', s.limit);
      state(s.breaker);
      add('started_total', s.submits);
      add('succeeded_total', s.solved);
      for (const [kind, count] of Object.entries(s.failedByKind)) {
        add('failures_total', count, { kind });
      }
      add('overloads_total', s.overloads);
      add('retries_total', s.retries);
      add('resubmits_total', s.resubmits);
      break;
    }
  }
  return out;
}

/**
 * Checks that the parsed exposition holds exactly `expected` (plus `stats_errors_total` 0 per
 * stage) under `prefix`, each series with the constant labels too, and no other series.
 */
export function expectExactly(
  families: Map<string, Family>,
  expected: readonly Series[],
  { prefix = 'bpk_', labels = {} }: { prefix?: string; labels?: Record<string, string> } = {},
): void {
  const key = (name: string, l: Readonly<Record<string, string>>) =>
    `${name}${JSON.stringify(Object.entries(l).sort())}`;
  const want = new Map<string, number>();
  for (const s of expected) want.set(key(prefix + s.metric, { ...s.labels, ...labels }), s.value);
  const have = new Map<string, number>();
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name === `${prefix}stats_errors_total`) {
        expect(sample.value).toBe(0);
        continue;
      }
      have.set(key(sample.name, sample.labels), sample.value);
    }
  }
  expect(Object.fromEntries(have)).toEqual(Object.fromEntries(want));
}
