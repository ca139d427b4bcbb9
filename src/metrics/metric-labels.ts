import { InvalidOptionTypeError, InvalidOptionValueError } from '../errors.js';
import * as validate from '../internal/validate.js';

/** Label (attribute) names the exporters set themselves; constant labels may not use them. */
export const reservedLabels: readonly string[] = ['stage', 'state', 'reason', 'kind'];

/** What an exporter accepts as a constant label. */
export interface LabelRules<V> {
  /** Valid label names. */
  readonly name: RegExp;
  /** Valid label values. */
  readonly value: (value: unknown) => value is V;
  /** The allowed values, in words. */
  readonly expectedValue: string;
}

/**
 * Validates constant labels (Prometheus) or attributes (OpenTelemetry): an object whose names
 * follow `rules.name`, do not start with `__` (reserved by Prometheus), are not one of
 * {@link reservedLabels}, and whose values pass `rules.value`. Returns a copy.
 */
export function metricLabels<V>(
  option: string,
  value: unknown,
  rules: LabelRules<V>,
): Readonly<Record<string, V>> {
  if (value === undefined) return {};
  const labels = validate.object<Record<string, unknown>>(option, value);
  const copy: Record<string, V> = {};
  for (const [name, labelValue] of Object.entries(labels)) {
    if (!rules.name.test(name) || name.startsWith('__') || reservedLabels.includes(name)) {
      throw new InvalidOptionValueError({
        option,
        expected: `label names matching ${rules.name.source}, not starting with __ and none of ${reservedLabels.join(', ')}`,
        received: name,
      });
    }
    if (!rules.value(labelValue)) {
      throw new InvalidOptionTypeError({
        option: `${option}.${name}`,
        expected: rules.expectedValue,
        received: labelValue,
      });
    }
    copy[name] = labelValue;
  }
  return copy;
}
