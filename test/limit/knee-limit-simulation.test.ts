import { describe, expect, it } from 'vitest';
import { kneeLimit } from '../../src/index.js';
import { baseScenario, metrics, simulate } from '../helpers/adaptive-sim-model.js';

/**
 * Regression guard on the simulated solver of `bench/adaptive-sim.ts` (model in `test/helpers/adaptive-sim-model.ts`) (C = 50 → 25, S = 10 s,
 * 30 virtual minutes; ~70 ms per run): the convergence, efficiency and stability
 * targets that the controller meets today must keep holding.
 */
describe('kneeLimit in the simulated solver (sigma 0.3, provider queue 100)', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: finds the knee, holds it, and follows a capacity drop`, () => {
      const s = { ...baseScenario, seed };
      const m = metrics(s, simulate(s, kneeLimit().create({ min: 1, max: 500, initial: 4 })));
      expect(m.convergeS).toBeLessThanOrEqual(90);
      expect(m.p1Throughput).toBeGreaterThanOrEqual(0.9);
      expect(m.p2Throughput).toBeGreaterThanOrEqual(0.9);
      expect(m.rejectRate).toBeLessThanOrEqual(0.005);
      expect(m.p1LimitCv).toBeLessThanOrEqual(0.3);
      expect(m.p2LimitCv).toBeLessThanOrEqual(0.3);
      // Measured 1.16 / 1.17 S on average and 33 s (worst 44 s) to react; the issue asks for
      // 1.2 S and 30 s (see docs/benchmarks.md). These bounds catch regressions; they are not
      // the goal.
      expect(m.p1P50).toBeLessThanOrEqual(1.4);
      expect(m.p2P50).toBeLessThanOrEqual(1.4);
      expect(m.reactS).toBeLessThanOrEqual(60);
    });
  }
});

describe('kneeLimit on held-out seeds (not used for tuning)', () => {
  for (const sigma of [0.3, 0.6]) {
    it(`sigma ${sigma}, seeds 6-15: reaches the knee within 90 s and keeps goodput >= 0.9`, () => {
      for (let seed = 6; seed <= 15; seed++) {
        const s = { ...baseScenario, seed, sigma };
        const m = metrics(s, simulate(s, kneeLimit().create({ min: 1, max: 500, initial: 4 })));
        expect(m.convergeS, `seed ${seed}`).toBeLessThanOrEqual(90);
        expect(m.p1Throughput, `seed ${seed}`).toBeGreaterThanOrEqual(0.9);
        expect(m.p2Throughput, `seed ${seed}`).toBeGreaterThanOrEqual(0.85);
        expect(m.rejectRate, `seed ${seed}`).toBe(0);
      }
    });
  }
});
