import { describe, expect, it } from 'vitest';
import { type DemoMessage, type DemoScenario, runScenario } from '../../src/cli/demo-scenario.js';

// A fast version of the seed scenario: the same shape, at rates that finish in milliseconds.
// Only accounting is asserted, never timing.
const fast: DemoScenario = {
  tasks: 60,
  producePerSecond: 20_000,
  workers: 3,
  solvesPerSecond: 3_000,
  capacity: 5,
  payloadBytes: 64,
  sampleEveryMs: 1,
};

async function run(variant: 'unbounded' | 'boundedBuffer' | 'shed') {
  const messages: DemoMessage[] = [];
  await runScenario(variant, fast, (m) => messages.push(m));
  const result = messages.find((m) => m.type === 'result');
  if (result?.type !== 'result') throw new Error('no result');
  return result;
}

describe('demo scenario', () => {
  it('lossless variants solve every task', async () => {
    for (const variant of ['unbounded', 'boundedBuffer'] as const) {
      const result = await run(variant);
      expect(result.done).toBe(fast.tasks);
      expect(result.dropped.full + result.dropped.evicted).toBe(0);
    }
  });

  it('boundedBuffer never holds more than its capacity', async () => {
    const result = await run('boundedBuffer');
    expect(result.peakDepth).toBeLessThanOrEqual(fast.capacity);
  });

  it('shed accounts for every task: solved or dropped with a reason', async () => {
    const result = await run('shed');
    expect(result.done + result.dropped.full + result.dropped.evicted).toBe(fast.tasks);
    expect(result.peakDepth).toBeLessThanOrEqual(fast.capacity);
  });
});
