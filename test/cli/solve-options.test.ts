import { describe, expect, it } from 'vitest';
import { durationFlag, rateFlag } from '../../src/cli/cli-args.js';
import { parseSolveArgs } from '../../src/cli/solve-options.js';

describe('parseSolveArgs', () => {
  it('has defaults a user can run without reading docs', () => {
    const o = parseSolveArgs(['--out', 'r.jsonl'], {});
    expect(o).toMatchObject({
      help: false,
      input: '-',
      out: 'r.jsonl',
      rejects: 'r.jsonl.rejects.jsonl',
      strict: false,
      restart: false,
      pipeline: { queue: { kind: 'buffer', capacity: 150 }, max: 50, rate: undefined },
      account: { provider: 'captchaai', envKey: undefined, keyVariable: 'CAPTCHAAI_API_KEY' },
      progress: { mode: 'auto', quiet: false },
    });
  });

  it('reads every flag', () => {
    const o = parseSolveArgs(
      [
        'tasks.jsonl',
        '-o',
        'r.jsonl',
        '--rejects',
        'bad.jsonl',
        '--strict',
        '--restart',
        '--shed',
        '200',
        '--max=20',
        '--min',
        '5',
        '--rate',
        '300/m',
        '--timeout',
        '90s',
        '--retries',
        '1',
        '--resubmits',
        '0',
        '--breaker-failures',
        '3',
        '--breaker-reset',
        '2m',
        '--poll-interval',
        '500ms',
        '--first-poll-delay',
        '1s',
        '--provider',
        '2captcha',
        '--time-scale',
        '0.5',
        '--mock-threads',
        '4',
        '--mock-latency',
        '100',
        '--mock-outage',
        '8s:4s',
        '--progress',
        'json',
        '--progress-interval',
        '250',
        '-q',
      ],
      { TWOCAPTCHA_API_KEY: ' k ' },
    );
    expect(o).toEqual({
      help: false,
      input: 'tasks.jsonl',
      out: 'r.jsonl',
      rejects: 'bad.jsonl',
      strict: true,
      restart: true,
      metricsPort: undefined,
      pipeline: {
        queue: { kind: 'shed', capacity: 200 },
        max: 20,
        min: 5,
        rate: { rate: 300, interval: 60_000 },
        timeoutMs: 90_000,
        retries: 1,
        resubmits: 0,
        breakerFailures: 3,
        breakerResetMs: 120_000,
        pollIntervalMs: 500,
        firstPollDelayMs: 1_000,
      },
      account: {
        provider: '2captcha',
        baseUrl: undefined,
        envKey: 'k',
        keyVariable: 'TWOCAPTCHA_API_KEY',
        apiKeyFile: undefined,
        timeScale: 0.5,
        mockThreads: 4,
        mockLatencyMs: 100,
        mockOutage: { atMs: 8_000, forMs: 4_000 },
      },
      progress: { mode: 'json', intervalMs: 250, quiet: true },
    });
  });

  it('refuses bad values naming the flag, and never takes the key as a flag', () => {
    const parse =
      (...args: string[]) =>
      () =>
        parseSolveArgs(['--out', 'r.jsonl', ...args], {});
    expect(parse('--max', '0')).toThrow(/`--max` to be an integer from 1/);
    expect(parse('--max', '4', '--min', '5')).toThrow(
      /`--min` to be an integer from 1 to --max \(4\)/,
    );
    expect(parse('--buffer', '10', '--shed', '10')).toThrow(/either --buffer or --shed/);
    expect(parse('--rate', 'fast')).toThrow(/`--rate` to be a rate/);
    expect(parse('--provider', 'anticaptcha')).toThrow(RangeError);
    expect(parse('--progress', 'fancy')).toThrow(/`--progress`/);
    expect(parse('--time-scale', '0')).toThrow(/`--time-scale`/);
    expect(parse('--mock-outage', '5s')).toThrow(/START:LENGTH/);
    expect(parse('--api-key', 'sekret')).toThrow(RangeError);
    expect(parse('--api-key=sekret')).not.toThrow(/sekret/);
    expect(parse('a', 'b')).toThrow(/at most 1 positional/);
    expect(() => parseSolveArgs([], {})).toThrow(/`--out`/);
    expect(parseSolveArgs(['--help'], {})).toEqual({ help: true });
  });

  it('reads durations and rates', () => {
    expect(durationFlag('--x', '1.5s')).toBe(1_500);
    expect(durationFlag('--x', '2m')).toBe(120_000);
    expect(() => durationFlag('--x', '-1')).toThrow(TypeError);
    expect(rateFlag('--r', 'off')).toBe(false);
    expect(rateFlag('--r', '10/s')).toEqual({ rate: 10, interval: 1_000 });
    expect(() => rateFlag('--r', '0/s')).toThrow(TypeError);
  });
});
