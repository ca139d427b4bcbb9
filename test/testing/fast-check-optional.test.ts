import { describe, expect, it, vi } from 'vitest';

// Make fast-check unloadable in this file: any module that imports it fails to load.
vi.mock('fast-check', () => {
  throw new Error('fast-check was loaded');
});

describe('backpressure-kit/testing without fast-check', () => {
  it('loads, and its fast-check-free parts work', async () => {
    const testing = await import('../../src/testing/index.js');
    const clock = new testing.VirtualClock();
    const slept = clock.sleep(5);
    await clock.advance(5);
    await slept;
    expect(clock.now()).toBe(5);
    expect(typeof testing.simulatedSolver).toBe('function');
    expect(typeof testing.conformanceChecks).toBe('function');
  });

  it('the conformance checks load fast-check only when they run', async () => {
    const { boundedBuffer } = await import('../../src/index.js');
    const { conformanceChecks } = await import('../../src/testing/index.js');
    const checks = conformanceChecks({
      name: 'boundedBuffer',
      create: () => boundedBuffer(4),
      ordered: true,
    });
    const property = checks.find((c) => c.name.includes('conserves'));
    expect(property).toBeDefined();
    await expect(property?.run()).rejects.toThrow(
      /error when mocking a module|fast-check was loaded/,
    );
  });

  it('the arbitraries entry point is the one that needs it', async () => {
    await expect(import('../../src/testing/arbitraries/index.js')).rejects.toThrow(
      /error when mocking a module|fast-check was loaded/,
    );
  });
});
