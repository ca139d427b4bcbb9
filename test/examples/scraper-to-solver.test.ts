import { describe, expect, it } from 'vitest';
import { main } from '../../examples/scraper-to-solver.js';

describe('examples/scraper-to-solver.ts', () => {
  it('solves, fails or drops every job against the mock, solving some', async () => {
    const summary = await main(200);
    const { full, evicted, discarded } = summary.dropped;
    expect(summary.solved + summary.failed + full + evicted + discarded).toBe(200);
    expect(summary.solved).toBeGreaterThan(0);
    expect(summary.limit).toBeLessThanOrEqual(8);
  }, 60_000);
});
