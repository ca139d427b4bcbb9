/**
 * Argument parsing shared by every `backpressure-kit` command: `node:util`'s `parseArgs`, with
 * its errors turned into the toolkit's option errors (a code, the flag, the value) and typed
 * readers for numbers, durations and rates. A command's flags are data (a `parseArgs` options
 * table), so other commands can reuse or extend them.
 */
import { parseArgs } from 'node:util';
import { InvalidOptionTypeError, InvalidOptionValueError } from '../errors.js';

/** One flag of a command, as `parseArgs` takes it (every value flag is a string). */
export type FlagSpec = { type: 'string'; short?: string } | { type: 'boolean'; short?: string };

/** A command's flags, by long name without the dashes. */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** What {@link parseCommandArgs} returns: flag values by name, and the positionals. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/**
 * Parses `argv` against `flags` (strict: an unknown flag or a missing value is an error).
 * Accepts `--flag value`, `--flag=value` and `--` before positionals.
 *
 * @throws `InvalidOptionValueError` (a `RangeError`) for an unknown flag or too many
 *   positionals, `InvalidOptionTypeError` (a `TypeError`) for a flag without its value.
 *   Neither repeats a value (it may be a key): only the flag.
 * @example
 * ```ts
 * parseCommandArgs({ port: { type: 'string' } }, ['--port=8080']);
 * // { values: { port: '8080' }, positionals: [] }
 * ```
 */
export function parseCommandArgs(
  flags: FlagTable,
  argv: readonly string[],
  options: { maxPositionals?: number } = {},
): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(flags, argv),
      options: flags as Record<string, FlagSpec>,
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw toOptionError(flags, argv, error);
  }
  const max = options.maxPositionals ?? 0;
  if (parsed.positionals.length > max) {
    throw new InvalidOptionValueError({
      option: 'arguments',
      expected: max === 0 ? 'no positional argument' : `at most ${max} positional argument(s)`,
      received: parsed.positionals.length,
    });
  }
  return {
    values: parsed.values as Record<string, string | boolean | undefined>,
    positionals: parsed.positionals,
  };
}

/**
 * `--port -1` would be refused by `parseArgs` as ambiguous; a negative number after a value
 * flag is its value, so it reaches the flag's own check (and its clearer message).
 */
function joinNegativeValues(flags: FlagTable, argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const spec = arg.startsWith('--') ? flags[arg.slice(2)] : undefined;
    if (spec?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else args.push(arg);
  }
  return args;
}

/** Finds the flag `parseArgs` complained about in `argv`. */
function offendingFlag(flags: FlagTable, argv: readonly string[], message: string): string {
  const named = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  if (named) return named.split('=')[0]!;
  const known = new Set(Object.keys(flags).map((name) => `--${name}`));
  return argv.find((arg) => arg.startsWith('-') && !known.has(arg.split('=')[0]!)) ?? '(unknown)';
}

function toOptionError(flags: FlagTable, argv: readonly string[], error: unknown): Error {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = offendingFlag(flags, argv, message);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return new InvalidOptionTypeError({ option: flag, expected: 'a value', received: undefined });
  }
  return new InvalidOptionValueError({
    option: flag,
    expected: `a known flag (${Object.keys(flags)
      .map((name) => `--${name}`)
      .join(', ')})`,
    // Only the flag: its value may be a key.
    received: flag,
  });
}

/**
 * Reads a number flag. `integerOnly` refuses fractions; `min` is checked.
 *
 * @throws `InvalidOptionTypeError` when the text is not a number, `InvalidOptionValueError`
 *   when it is below `min`.
 * @example
 * ```ts
 * numberFlag('--max', '20', { integerOnly: true, min: 1 }); // 20
 * ```
 */
export function numberFlag(
  flag: string,
  text: string,
  bounds: { integerOnly?: boolean; min?: number; max?: number } = {},
): number {
  const value = Number(text);
  const integerOnly = bounds.integerOnly ?? false;
  if (text.trim() === '' || !Number.isFinite(value) || (integerOnly && !Number.isInteger(value))) {
    throw new InvalidOptionTypeError({
      option: flag,
      expected: integerOnly ? 'an integer' : 'a number',
      received: text,
    });
  }
  const kind = integerOnly ? 'an integer' : 'a number';
  if (bounds.min !== undefined && value < bounds.min) {
    throw new InvalidOptionValueError({
      option: flag,
      expected: `${kind} from ${bounds.min}${bounds.max === undefined ? ' and up' : ` to ${bounds.max}`}`,
      received: value,
    });
  }
  if (bounds.max !== undefined && value > bounds.max) {
    throw new InvalidOptionValueError({
      option: flag,
      expected: `${kind} up to ${bounds.max}`,
      received: value,
    });
  }
  return value;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)?$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000 } as const;

/**
 * Reads a duration flag: a number of milliseconds, or with a unit `ms`, `s` or `m`.
 *
 * @throws `InvalidOptionTypeError` naming the flag for anything else.
 * @example
 * ```ts
 * durationFlag('--timeout', '90s'); // 90000
 * durationFlag('--timeout', '2500'); // 2500
 * ```
 */
export function durationFlag(flag: string, text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) {
    throw new InvalidOptionTypeError({
      option: flag,
      expected: 'a duration (ms, or with a unit: 500ms, 30s, 2m)',
      received: text,
    });
  }
  return Number(match[1]) * UNIT_MS[(match[2] ?? 'ms') as keyof typeof UNIT_MS];
}

/** A rate read by {@link rateFlag}: `rate` events per `interval` ms, or `false` for no limit. */
export type RateFlag = { rate: number; interval: number } | false;

const RATE = /^(\d+(?:\.\d+)?)\/(s|m)$/;

/**
 * Reads a rate flag: `N/s`, `N/m`, or `off` for no limit.
 *
 * @throws `InvalidOptionTypeError` naming the flag for anything else (or a zero rate).
 * @example
 * ```ts
 * rateFlag('--rate', '10/s'); // { rate: 10, interval: 1000 }
 * rateFlag('--rate', 'off'); // false
 * ```
 */
export function rateFlag(flag: string, text: string): RateFlag {
  if (text.trim() === 'off') return false;
  const match = RATE.exec(text.trim());
  if (!match || Number(match[1]) <= 0) {
    throw new InvalidOptionTypeError({
      option: flag,
      expected: 'a rate such as 10/s or 300/m, or off',
      received: text,
    });
  }
  return { rate: Number(match[1]), interval: match[2] === 's' ? 1_000 : 60_000 };
}
