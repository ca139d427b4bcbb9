import { describe, expect, it } from 'vitest';
import { baseScenario, simulate } from '../../bench/adaptive-sim-model.js';
import { simulateStage } from '../../bench/adaptive-sim-stage.js';
import { kneeLimit } from '../../src/index.js';

describe('adaptiveMap under a VirtualClock agrees with the pure controller', () => {
  it('same completions and the same admitted limit, second by second', async () => {
    // Five virtual minutes of the simulated solver, capacity halving at 150 s.
    const s = { ...baseScenario, durationMs: 300_000, dropAtMs: 150_000, seed: 3 };
    const pure = simulate(s, kneeLimit().create({ min: 1, max: 500, initial: 4 }));
    const staged = await simulateStage(s, kneeLimit());
    expect(staged.done.length).toBeGreaterThan(500);
    expect(staged.done.length).toBe(pure.done.length);
    expect(staged.done.map(([t]) => t)).toEqual(pure.done.map(([t]) => t));
    // The pure engine also samples the final instant; compare the 300 whole seconds.
    expect(staged.limit).toEqual(pure.limit.slice(0, 300).map((l) => Math.floor(l)));
    expect(staged.inFlight).toEqual(pure.inFlight.slice(0, 300));
  });
});
