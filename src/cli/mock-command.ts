/**
 * `backpressure-kit mock`: runs the mock solver service from the command line until SIGINT or
 * SIGTERM.
 */
import { InvalidOptionValueError } from '../errors.js';
import { DEFAULT_MOCK_KEY } from '../mock/constants.js';
import { startMockSolver } from '../mock/start-mock-solver.js';
import type { MockKeyOptions, MockProvider, MockSolverOptions } from '../mock/types.js';
import { type FlagTable, numberFlag, parseCommandArgs } from './cli-args.js';

/** Help text of `backpressure-kit mock`. */
export const MOCK_USAGE = `Usage: backpressure-kit mock [options]

Runs a local CaptchaAI / 2captcha-compatible solver (in.php, res.php) until Ctrl+C.

Options:
  --port N             TCP port; 0 picks a free one              (default 0)
  --host ADDRESS       interface to listen on                    (default 127.0.0.1)
  --provider NAME      captchaai or 2captcha                     (default captchaai)
  --keys LIST          KEY[:THREADS[:BALANCE]],...               (default ${DEFAULT_MOCK_KEY}:10:10)
  --time-scale X       multiply every delay by X, e.g. 0.01      (default 1)
  --latency MS         fixed solve time for every task type      (default: realistic distributions)
  --unsolvable-rate R  share of tasks ending unsolvable, 0 to 1  (default 0)
  --seed N             seed of the random generator              (default 1)
  --help               show this text

Control plane (loopback clients only): GET /__mock/state, POST /__mock/config, POST /__mock/reset.

Example:
  backpressure-kit mock --port 8080 --provider 2captcha --keys 0123456789abcdef0123456789abcdef:5 --time-scale 0.1`;

/** Where the command writes and what stops it; for tests and embedding. */
export interface MockCommandIo {
  /** Receives the lines the command prints. @default console.log */
  readonly out?: (line: string) => void;
  /** Receives warnings. @default console.error */
  readonly err?: (line: string) => void;
  /** Stops the mock when aborted, like SIGINT. @default none */
  readonly signal?: AbortSignal;
  /** Called with the URL once listening. @default none */
  readonly onListening?: (url: string) => void;
}

/** The flags of `backpressure-kit mock`, for `parseArgs`. */
export const MOCK_FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  provider: { type: 'string' },
  keys: { type: 'string' },
  'time-scale': { type: 'string' },
  latency: { type: 'string' },
  'unsolvable-rate': { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies FlagTable;

function parseKeys(text: string): Record<string, MockKeyOptions> {
  const keys: Record<string, MockKeyOptions> = {};
  text.split(',').forEach((entry, i) => {
    const [key = '', threads, balance, ...extra] = entry.trim().split(':');
    if (key === '' || extra.length > 0) {
      throw new InvalidOptionValueError({
        option: `--keys[${i}]`,
        expected: 'KEY[:THREADS[:BALANCE]]',
        // Never echo a key.
        received: '(hidden)',
      });
    }
    const plan: { threads?: number; balance?: number } = {};
    if (threads !== undefined && threads !== '') {
      plan.threads =
        threads === 'Infinity'
          ? Number.POSITIVE_INFINITY
          : numberFlag(`--keys[${i}] threads`, threads, { integerOnly: true });
    }
    if (balance !== undefined && balance !== '') {
      plan.balance = numberFlag(`--keys[${i}] balance`, balance);
    }
    keys[key] = plan;
  });
  return keys;
}

/**
 * Parses the arguments of `backpressure-kit mock` into mock options; `help` is `true` for
 * `--help`. Accepts `--flag value` and `--flag=value` (`node:util` `parseArgs`). Throws
 * `TypeError` / `RangeError` naming the flag; the mock validates the values again when it starts.
 *
 * @example
 * ```ts
 * parseMockArgs(['--port', '8080', '--time-scale=0.01']);
 * // { help: false, options: { port: 8080, timeScale: 0.01 } }
 * ```
 */
export function parseMockArgs(argv: readonly string[]): {
  help: boolean;
  options: MockSolverOptions;
} {
  const { values } = parseCommandArgs(MOCK_FLAGS, argv);
  const text = values as Partial<Record<keyof typeof MOCK_FLAGS, string>>;
  const options: Record<string, unknown> = {};
  if (text.port !== undefined)
    options.port = numberFlag('--port', text.port, { integerOnly: true });
  if (text.host !== undefined) options.host = text.host;
  if (text.provider !== undefined) options.provider = text.provider as MockProvider;
  if (text.keys !== undefined) options.keys = parseKeys(text.keys);
  if (text['time-scale'] !== undefined)
    options.timeScale = numberFlag('--time-scale', text['time-scale']);
  if (text.latency !== undefined) options.latency = numberFlag('--latency', text.latency);
  if (text['unsolvable-rate'] !== undefined)
    options.unsolvableRate = numberFlag('--unsolvable-rate', text['unsolvable-rate']);
  if (text.seed !== undefined)
    options.seed = numberFlag('--seed', text.seed, { integerOnly: true });
  return { help: values.help === true, options: options as MockSolverOptions };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * Runs `backpressure-kit mock`: starts the mock solver, prints its URL, and resolves once it has
 * closed after SIGINT, SIGTERM or `io.signal`. Bad arguments reject before anything listens,
 * with an error naming the flag (keys are never echoed).
 *
 * @example
 * ```ts
 * await runMockCommand(['--port', '8080', '--provider', '2captcha']);
 * ```
 */
export async function runMockCommand(argv: string[], io: MockCommandIo = {}): Promise<void> {
  const out = io.out ?? ((line: string) => console.log(line));
  const err = io.err ?? ((line: string) => console.error(line));
  const { help, options } = parseMockArgs(argv);
  if (help) {
    out(MOCK_USAGE);
    return;
  }
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    err(
      `Warning: listening on ${host}, not loopback: anyone who can reach it can use the mock, and keys travel in plain HTTP.`,
    );
  }
  const mock = await startMockSolver(options);
  if (io.signal?.aborted) {
    await mock.close();
    return;
  }
  const keys = Object.keys(options.keys ?? { [DEFAULT_MOCK_KEY]: {} });
  out(`Mock solver (${mock.state().provider}) listening on ${mock.url}`);
  out(`  in.php:  ${mock.url}/in.php`);
  out(`  res.php: ${mock.url}/res.php`);
  out(`  state:   ${mock.url}/__mock/state`);
  out(
    options.keys === undefined
      ? `  key:     ${DEFAULT_MOCK_KEY} (the default key)`
      : `  keys:    ${keys.length} configured`,
  );
  out('Press Ctrl+C to stop.');
  io.onListening?.(mock.url);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    io.signal?.addEventListener('abort', stop, { once: true });
  });
  await mock.close();
  out('Mock solver stopped.');
}
