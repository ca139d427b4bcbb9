/**
 * The flags of `backpressure-kit solve`, parsed into plain options. Kept apart from the command
 * so other commands (fleet `enqueue` / `work` / `collect`) can reuse the pipeline, account and
 * progress flags: spread {@link PIPELINE_FLAGS}, {@link ACCOUNT_FLAGS} or {@link PROGRESS_FLAGS}
 * into their own table and read them with the matching `read…` function.
 */
import { InvalidOptionTypeError, InvalidOptionValueError } from '../errors.js';
import { type ProviderName, providerNames } from '../solver/provider.js';
import {
  durationFlag,
  type FlagTable,
  numberFlag,
  type ParsedArgs,
  parseCommandArgs,
  type RateFlag,
  rateFlag,
} from './cli-args.js';

/** Flags that shape the pipeline: queue, concurrency, rate, retries, breaker, timing. */
export const PIPELINE_FLAGS = {
  buffer: { type: 'string' },
  shed: { type: 'string' },
  max: { type: 'string' },
  min: { type: 'string' },
  rate: { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  resubmits: { type: 'string' },
  'breaker-failures': { type: 'string' },
  'breaker-reset': { type: 'string' },
  'poll-interval': { type: 'string' },
  'first-poll-delay': { type: 'string' },
} as const satisfies FlagTable;

/** Flags that choose the service: provider, endpoint, key file, and the embedded mock. */
export const ACCOUNT_FLAGS = {
  provider: { type: 'string' },
  'base-url': { type: 'string' },
  'api-key-file': { type: 'string' },
  'time-scale': { type: 'string' },
  'mock-threads': { type: 'string' },
  'mock-latency': { type: 'string' },
  'mock-outage': { type: 'string' },
} as const satisfies FlagTable;

/** Flags of the progress display. */
export const PROGRESS_FLAGS = {
  progress: { type: 'string' },
  'progress-interval': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const satisfies FlagTable;

/** Every flag of `backpressure-kit solve`. */
export const SOLVE_FLAGS = {
  out: { type: 'string', short: 'o' },
  rejects: { type: 'string' },
  strict: { type: 'boolean' },
  restart: { type: 'boolean' },
  'metrics-port': { type: 'string' },
  ...PIPELINE_FLAGS,
  ...ACCOUNT_FLAGS,
  ...PROGRESS_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const satisfies FlagTable;

/** Environment variables holding the key, by provider. */
export const API_KEY_VARIABLES: Readonly<Record<ProviderName, string>> = {
  captchaai: 'CAPTCHAAI_API_KEY',
  '2captcha': 'TWOCAPTCHA_API_KEY',
};

/** Default `--max`: the account's threads, when the user does not say. */
export const DEFAULT_MAX = 50;
/** `--buffer` defaults to this many times `--max` (the seed advises 2 to 5). */
export const BUFFER_PER_THREAD = 3;
/** Default `--time-scale` of the embedded mock: a 25 s reCAPTCHA takes 0.5 s. */
export const DEFAULT_TIME_SCALE = 0.02;

/** The queue in front of the solver. */
export type QueueOptions =
  | { readonly kind: 'buffer'; readonly capacity: number }
  | { readonly kind: 'shed'; readonly capacity: number };

/** The pipeline flags, read. Durations are in ms; `undefined` means the library default. */
export interface PipelineOptions {
  readonly queue: QueueOptions;
  readonly max: number;
  /** Fewest tasks in flight the adaptive limit may fall to; `min === max` fixes the limit. */
  readonly min: number | undefined;
  readonly rate: RateFlag | undefined;
  readonly timeoutMs: number | undefined;
  readonly retries: number | undefined;
  readonly resubmits: number | undefined;
  readonly breakerFailures: number | undefined;
  readonly breakerResetMs: number | undefined;
  readonly pollIntervalMs: number | undefined;
  readonly firstPollDelayMs: number | undefined;
}

/** An outage the embedded mock plays: every submit fails (502) from `atMs` for `forMs`. */
export interface MockOutage {
  readonly atMs: number;
  readonly forMs: number;
}

/** The account flags, read. The key itself is never a flag: it comes from the environment or a file. */
export interface AccountOptions {
  readonly provider: ProviderName;
  readonly baseUrl: string | undefined;
  /** The key from the environment variable, if set (never printed). */
  readonly envKey: string | undefined;
  /** The environment variable the key is read from. */
  readonly keyVariable: string;
  readonly apiKeyFile: string | undefined;
  /**
   * Scales the mock's delays and the pipeline's default durations; `undefined` when not given
   * (the embedded mock then uses {@link DEFAULT_TIME_SCALE}).
   */
  readonly timeScale: number | undefined;
  readonly mockThreads: number;
  readonly mockLatencyMs: number | undefined;
  readonly mockOutage: MockOutage | undefined;
}

/** How progress is shown: `auto` picks `tty` on a terminal and `plain` otherwise. */
export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'none';

/** The progress flags, read. */
export interface ProgressOptions {
  readonly mode: ProgressMode;
  /** Between plain log lines or JSON samples; `undefined` means the mode's default. */
  readonly intervalMs: number | undefined;
  readonly quiet: boolean;
}

/** Everything `backpressure-kit solve` was asked to do. */
export interface SolveCommandOptions {
  /** A file path, or `-` for standard input. */
  readonly input: string;
  readonly out: string;
  readonly rejects: string;
  readonly strict: boolean;
  readonly restart: boolean;
  readonly metricsPort: number | undefined;
  readonly pipeline: PipelineOptions;
  readonly account: AccountOptions;
  readonly progress: ProgressOptions;
}

type Values = ParsedArgs['values'];

function text(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function optional<T>(
  values: Values,
  name: string,
  read: (flag: string, value: string) => T,
): T | undefined {
  const value = text(values, name);
  return value === undefined ? undefined : read(`--${name}`, value);
}

const count = (min: number) => (flag: string, value: string) =>
  numberFlag(flag, value, { integerOnly: true, min });

/**
 * Reads {@link PIPELINE_FLAGS}. `--buffer` and `--shed` exclude each other; `--buffer`
 * defaults to {@link BUFFER_PER_THREAD} × `--max`.
 *
 * @throws the toolkit's option errors, naming the flag.
 * @example
 * ```ts
 * readPipelineFlags({ shed: '100', max: '20' }).queue; // { kind: 'shed', capacity: 100 }
 * ```
 */
export function readPipelineFlags(values: Values): PipelineOptions {
  const max = optional(values, 'max', count(1)) ?? DEFAULT_MAX;
  const min = optional(values, 'min', count(1));
  if (min !== undefined && min > max) {
    throw new InvalidOptionValueError({
      option: '--min',
      expected: `an integer from 1 to --max (${max})`,
      received: min,
    });
  }
  const buffer = optional(values, 'buffer', count(1));
  const shedCapacity = optional(values, 'shed', count(1));
  if (buffer !== undefined && shedCapacity !== undefined) {
    throw new InvalidOptionValueError({
      option: '--shed',
      expected: 'either --buffer or --shed, not both',
      received: shedCapacity,
    });
  }
  return {
    queue:
      shedCapacity === undefined
        ? { kind: 'buffer', capacity: buffer ?? BUFFER_PER_THREAD * max }
        : { kind: 'shed', capacity: shedCapacity },
    max,
    min,
    rate: optional(values, 'rate', rateFlag),
    timeoutMs: optional(values, 'timeout', durationFlag),
    retries: optional(values, 'retries', count(0)),
    resubmits: optional(values, 'resubmits', count(0)),
    breakerFailures: optional(values, 'breaker-failures', count(1)),
    breakerResetMs: optional(values, 'breaker-reset', durationFlag),
    pollIntervalMs: optional(values, 'poll-interval', durationFlag),
    firstPollDelayMs: optional(values, 'first-poll-delay', durationFlag),
  };
}

function readOutage(flag: string, value: string): MockOutage {
  const [at, length, ...rest] = value.split(':');
  if (at === undefined || length === undefined || rest.length > 0) {
    throw new InvalidOptionTypeError({
      option: flag,
      expected: 'START:LENGTH, two durations (e.g. 8s:4s)',
      received: value,
    });
  }
  return { atMs: durationFlag(flag, at), forMs: durationFlag(flag, length) };
}

/**
 * Reads {@link ACCOUNT_FLAGS} and the key's environment variable from `env`.
 *
 * @throws the toolkit's option errors, naming the flag; an unknown `--provider`.
 * @example
 * ```ts
 * readAccountFlags({ provider: '2captcha' }, { TWOCAPTCHA_API_KEY: key }).keyVariable;
 * // 'TWOCAPTCHA_API_KEY'
 * ```
 */
export function readAccountFlags(
  values: Values,
  env: Readonly<Record<string, string | undefined>>,
): AccountOptions {
  const provider = (text(values, 'provider') ?? 'captchaai') as ProviderName;
  if (!providerNames.includes(provider)) {
    throw new InvalidOptionValueError({
      option: '--provider',
      expected: providerNames.join(' or '),
      received: provider,
    });
  }
  const keyVariable = API_KEY_VARIABLES[provider];
  const envKey = env[keyVariable]?.trim() || undefined;
  const timeScale = optional(values, 'time-scale', (flag, value) => {
    const scale = numberFlag(flag, value);
    if (scale <= 0)
      throw new InvalidOptionValueError({ option: flag, expected: 'above 0', received: scale });
    return scale;
  });
  return {
    provider,
    baseUrl: text(values, 'base-url'),
    envKey,
    keyVariable,
    apiKeyFile: text(values, 'api-key-file'),
    timeScale,
    mockThreads: optional(values, 'mock-threads', count(1)) ?? 10,
    mockLatencyMs: optional(values, 'mock-latency', durationFlag),
    mockOutage: optional(values, 'mock-outage', readOutage),
  };
}

const PROGRESS_MODES: readonly ProgressMode[] = ['auto', 'tty', 'plain', 'json', 'none'];

/**
 * Reads {@link PROGRESS_FLAGS}.
 *
 * @throws the toolkit's option errors, naming the flag.
 * @example
 * ```ts
 * readProgressFlags({ progress: 'json' }).mode; // 'json'
 * ```
 */
export function readProgressFlags(values: Values): ProgressOptions {
  const mode = (text(values, 'progress') ?? 'auto') as ProgressMode;
  if (!PROGRESS_MODES.includes(mode)) {
    throw new InvalidOptionValueError({
      option: '--progress',
      expected: PROGRESS_MODES.join(', '),
      received: mode,
    });
  }
  return {
    mode,
    intervalMs: optional(values, 'progress-interval', durationFlag),
    quiet: values.quiet === true,
  };
}

/**
 * Parses the arguments of `backpressure-kit solve`. `help` is `true` for `--help` (nothing
 * else is then checked).
 *
 * @throws the toolkit's option errors (`TypeError` / `RangeError` with `ERR_BPK_INVALID_OPTION_*`
 *   codes) naming the flag: the command exits with code 2.
 * @example
 * ```ts
 * parseSolveArgs(['tasks.jsonl', '--out', 'results.jsonl', '--shed', '200'], process.env);
 * ```
 */
export function parseSolveArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { help: true } | ({ help: false } & SolveCommandOptions) {
  const { values, positionals } = parseCommandArgs(SOLVE_FLAGS, argv, { maxPositionals: 1 });
  if (values.help === true) return { help: true };
  const out = text(values, 'out');
  if (out === undefined || out === '' || out === '-') {
    throw new InvalidOptionTypeError({
      option: '--out',
      expected: 'a file path (the results file; also what a rerun resumes from)',
      received: out,
    });
  }
  const account = readAccountFlags(values, env);
  return {
    help: false,
    input: positionals[0] ?? '-',
    out,
    rejects: text(values, 'rejects') ?? `${out}.rejects.jsonl`,
    strict: values.strict === true,
    restart: values.restart === true,
    metricsPort: optional(values, 'metrics-port', (flag, value) =>
      numberFlag(flag, value, { integerOnly: true, min: 0, max: 65_535 }),
    ),
    pipeline: readPipelineFlags(values),
    account,
    progress: readProgressFlags(values),
  };
}
