import { type MetricPoint, readStageMetrics } from './read-stage-metrics.js';
import { StatsError } from './stats-error.js';
import type { StatsSources } from './stats-source.js';

/** The metric points of one named stage in one collection. */
export interface StagePoints {
  readonly stage: string;
  readonly points: readonly MetricPoint[];
}

/**
 * Reads every stage once for an exporter. A stage whose `stats()` throws contributes no points
 * to this collection, and its `stats_errors_total` grows by one (every stage always reports
 * that counter, from 0): a broken stage shows up on the dashboard instead of failing the
 * whole scrape. `onError` receives the {@link StatsError}, when given.
 */
export function statsReader(
  stages: StatsSources,
  onError: ((error: StatsError) => void) | undefined,
): () => StagePoints[] {
  const names = Object.keys(stages);
  const errors = new Map<string, number>(names.map((name) => [name, 0]));
  return () =>
    names.map((stage) => {
      let points: MetricPoint[] = [];
      try {
        points = readStageMetrics(stages[stage]!.stats());
      } catch (cause) {
        errors.set(stage, errors.get(stage)! + 1);
        onError?.(new StatsError(stage, cause));
      }
      points.push({ metric: 'stats_errors_total', value: errors.get(stage)! });
      return { stage, points };
    });
}
