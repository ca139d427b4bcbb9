import { InvalidOptionTypeError } from '../errors.js';

/**
 * Validates an argument that must be an object with the given methods (a prom-client
 * `Registry`, an OpenTelemetry `Meter`): checked structurally, so any compatible copy or
 * version of the library fits. Throws an `InvalidOptionTypeError` naming `option`.
 */
export function withMethods<T>(
  option: string,
  value: unknown,
  methods: readonly string[],
  expected: string,
): T {
  const fits =
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
  if (!fits) throw new InvalidOptionTypeError({ option, expected, received: value });
  return value as T;
}
