import { describe, expect, it } from 'vitest';
import { dedupe, main } from '../../examples/custom-stage.js';

describe('examples/custom-stage.ts', () => {
  it('passes every conformance check', async () => {
    const passed = await main();
    // Every check but the option errors, which `dedupe` declares none of (reported skipped).
    expect(passed).toHaveLength(7);
    expect(passed.every((name) => !name.includes('skipped'))).toBe(true);
  });

  it('a stage that loses a repeat without reporting it fails the suite', async () => {
    const { conformanceChecks } = await import('../../src/testing/index.js');
    const checks = conformanceChecks({
      name: 'silent dedupe',
      create: () => dedupe<number>({ key: (n) => Math.floor(n / 2) }), // drops, but tells nobody
      ordered: true,
      lossy: true,
      numRuns: 20,
    });
    const conservation = checks.find((c) => c.name.includes('conserves every item'))!;
    await expect(conservation.run()).rejects.toThrow();
  });
});
