/**
 * The table `backpressure-kit solve` prints at the end of a run.
 */

import { formatCounts, formatDuration } from './format.js';
import type { ProgressSample } from './run-stats.js';

/** Facts about the run the samples do not hold. */
export interface SummaryContext {
  /** How the run ended. */
  readonly outcome: 'finished' | 'interrupted' | 'aborted' | 'failed';
  readonly out: string;
  readonly rejects: string;
  /** Reports (`reportgood` / `reportbad`) sent. */
  readonly reportsSent: number;
}

/**
 * The summary as aligned `label  value` rows.
 *
 * @example
 * ```ts
 * console.log(formatSummary(stats.sample(), context).join('\n'));
 * ```
 */
export function formatSummary(s: ProgressSample, context: SummaryContext): string[] {
  const rows: [string, string][] = [
    ['outcome', `${context.outcome} in ${formatDuration(s.elapsedMs)}`],
    [
      'tasks',
      `solved ${s.solved}, failed ${s.failed}, dropped ${s.dropped}, rejected ${s.rejected}, skipped ${s.skipped} (already recorded)`,
    ],
    ['failed by kind', formatCounts(s.failedByKind)],
    [
      'dropped by reason',
      s.queue.kind === 'shed'
        ? formatCounts({ full: s.queue.dropped.full, evicted: s.queue.dropped.evicted })
        : 'none (buffer)',
    ],
    [
      'solve time',
      s.solveMs === undefined
        ? 'n/a'
        : `p50 ${formatDuration(s.solveMs.p50)}, p95 ${formatDuration(s.solveMs.p95)}`,
    ],
    ['peak queue depth', `${s.queue.peak} / ${s.queue.capacity} (${s.queue.kind})`],
    ['peak in flight', `${s.peakInFlight} (limit now ${s.limit}, max ${s.max})`],
    [
      'producer waited',
      s.queue.kind === 'buffer' ? formatDuration(s.queue.producerWaitMs) : '0ms (shed never waits)',
    ],
    [
      'submits',
      `${s.submits} (retries ${s.retries}, resubmits ${s.resubmits}, overload answers ${s.overloads})`,
    ],
    [
      'money',
      `submits sent ${s.submits}; tasks solved ${s.solved} (what per-solve plans charge); reports sent ${context.reportsSent}`,
    ],
    ['results', `${context.out} (${s.solved + s.failed + s.dropped} new records)`],
    ['rejects', `${context.rejects} (${s.rejected})`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return ['Summary', ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)];
}
