/**
 * `solve --metrics-port`: the endpoint serves the run's stages while it runs; scraped and
 * parsed with a strict Prometheus text-format parser.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_KEY, type MockSolver, startMockSolver } from '../../src/mock/index.js';
import { parseExposition } from '../metrics/parse-exposition.js';
import { runCli, tempDir, turnstileTasks, useBuiltCli } from './cli-process.js';

const cli = useBuiltCli();
let mock: MockSolver | undefined;
let cleanup: () => void = () => {};
afterEach(async () => {
  await mock?.close();
  mock = undefined;
  cleanup();
});

function value(
  families: ReturnType<typeof parseExposition>,
  name: string,
  labels: Record<string, string>,
) {
  const family = families.get(name);
  const sample = family?.samples.find((s) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return sample?.value;
}

describe('solve --metrics-port', { timeout: 90_000 }, () => {
  it('serves /metrics on 127.0.0.1 while the run goes on', async () => {
    const made = tempDir();
    cleanup = made.cleanup;
    mock = await startMockSolver({ timeScale: 0.01, latency: 0 });
    // Tasks come from stdin, kept open: the run (and its endpoint) lasts until the test ends it.
    const run = runCli(
      cli(),
      [
        'solve',
        '-',
        '-o',
        join(made.dir, 'out.jsonl'),
        '--base-url',
        mock.url,
        '--time-scale',
        '0.01',
        '--rate',
        'off',
        '--metrics-port',
        '0',
        '--max',
        '7',
        '--progress',
        'json',
        '--progress-interval',
        '50',
      ],
      { env: { CAPTCHAAI_API_KEY: DEFAULT_MOCK_KEY }, stdin: 'pipe' },
    );
    const line = await run.waitForLine(/^Serving metrics at /);
    const url = line.replace('Serving metrics at ', '');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    run.child.stdin!.write(
      `${turnstileTasks(5)
        .map((t) => JSON.stringify(t))
        .join('\n')}\n`,
    );
    await run.waitForJson((s) => s.solved === 5);

    const response = await fetch(url);
    expect(response.status).toBe(200);
    const families = parseExposition(await response.text());
    expect(value(families, 'bpk_capacity', { stage: 'queue' })).toBe(21);
    expect(value(families, 'bpk_depth', { stage: 'queue' })).toBe(0);
    expect(value(families, 'bpk_received_total', { stage: 'queue' })).toBe(5);
    expect(value(families, 'bpk_succeeded_total', { stage: 'solve' })).toBe(5);
    expect(value(families, 'bpk_breaker_state', { stage: 'solve', state: 'closed' })).toBe(1);
    expect(value(families, 'bpk_limit', { stage: 'solve' })).toBeGreaterThanOrEqual(1);
    expect(value(families, 'bpk_limit', { stage: 'solve' })).toBeLessThanOrEqual(7);
    expect(families.has('bpk_breaker_state')).toBe(true);

    run.child.stdin!.end();
    expect((await run.exit).code).toBe(0);
    // The endpoint closes with the run.
    await expect(fetch(url)).rejects.toThrow();
  });
});
