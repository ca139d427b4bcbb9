import { InvalidOptionValueError } from '../errors.js';
import * as validate from '../internal/validate.js';
import { type LabelRules, metricLabels } from './metric-labels.js';
import { type StagePoints, statsReader } from './read-all-stages.js';
import type { StatsError } from './stats-error.js';
import { type StatsSources, statsSources } from './stats-source.js';

/** What differs between the exporters' options: naming rules and the constant labels' option. */
export interface ExporterRules<V> {
  readonly defaultPrefix: string;
  /** Valid metric names; a prefix is valid when `prefix + 'x'` is. */
  readonly name: RegExp;
  /** The name of the constant labels option: `labels` or `attributes`. */
  readonly labelsOption: string;
  readonly labels: LabelRules<V>;
}

/** The options both exporters share, validated. */
export interface ExporterConfig<V> {
  readonly prefix: string;
  readonly constant: Readonly<Record<string, V>>;
  /** Reads every stage once (see `statsReader`). */
  readonly read: () => StagePoints[];
}

/**
 * Validates the stages and the options an exporter shares with the other (`prefix`, constant
 * labels or attributes, `onError`) when it is called, with typed errors naming the option.
 */
export function exporterOptions<V>(
  stages: StatsSources,
  options: unknown,
  rules: ExporterRules<V>,
): ExporterConfig<V> {
  statsSources('stages', stages);
  const opts = validate.object<Record<string, unknown>>('options', options);
  const prefix = validate.optional(opts.prefix, rules.defaultPrefix, (v) => {
    const value = validate.string('prefix', v);
    if (value !== '' && !rules.name.test(`${value}x`)) {
      throw new InvalidOptionValueError({
        option: 'prefix',
        expected: `'' or the start of a metric name (${rules.name.source})`,
        received: v,
      });
    }
    return value;
  });
  const constant = metricLabels(rules.labelsOption, opts[rules.labelsOption], rules.labels);
  const onError = validate.optional(opts.onError, undefined, (v) =>
    validate.func<(error: StatsError) => void>('onError', v),
  );
  return { prefix, constant, read: statsReader(stages, onError) };
}
