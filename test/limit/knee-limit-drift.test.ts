import { describe, expect, it } from 'vitest';
import { type KneeDecision, kneeLimit } from '../../src/index.js';
import {
  baseScenario,
  lowestOver30Minutes,
  metrics,
  simulate,
  zeroLatencyPhase,
} from '../helpers/adaptive-sim-model.js';

describe('kneeLimit against a zero-latency service (issue 8 §4)', () => {
  it('does not drift down: jitter of microseconds is not a queue (minRiseMs)', () => {
    for (const seed of [1, 2, 3]) {
      const decisions: KneeDecision[] = [];
      const controller = kneeLimit({ onDecision: (d) => decisions.push(d) }).create({
        min: 1,
        max: 32,
        initial: 32,
      });
      expect(lowestOver30Minutes(controller, seed), `seed ${seed}`).toBe(32);
      expect(decisions.some((d) => d.action === 'decrease')).toBe(false);
    }
  });

  it('the same jitter above the noise floor still looks like congestion (the floor is what holds it)', () => {
    const controller = kneeLimit({ minRiseMs: 0 }).create({ min: 1, max: 32, initial: 32 });
    const lowest = lowestOver30Minutes(controller, 1);
    // The baseline is the lowest of up to 600 noisy block medians, so most windows sit above
    // it by more than the margin; decreases do not lower a latency that is not a queue.
    expect(lowest).toBeLessThan(8);
  });

  it('cannot starve a real service that follows: the first slow windows become the new baseline', () => {
    // Ten minutes of a zero-latency service, then the simulated 50-thread solver (10 s calls).
    for (const seed of [1, 2, 3]) {
      const decisions: KneeDecision[] = [];
      const controller = kneeLimit({ onDecision: (d) => decisions.push(d) }).create({
        min: 1,
        max: 64,
        initial: 4,
      });
      zeroLatencyPhase(controller, seed, -600_000, 0);
      const limitAfterZeroLatency = controller.limit;
      const s = { ...baseScenario, seed, queueBound: 1e9 };
      const m = metrics(s, simulate(s, controller));
      // Without the rebase every 10 s window was "inflated" a million times over the
      // microsecond baseline: the limit fell to 1 and stayed there until that baseline left
      // the 10-minute horizon (phase 1 goodput 0.07 on seed 1).
      expect(m.p1Throughput, `seed ${seed}`).toBeGreaterThanOrEqual(0.9);
      expect(m.p2Throughput, `seed ${seed}`).toBeGreaterThanOrEqual(0.9);
      expect(m.convergeS, `seed ${seed}`).toBeLessThanOrEqual(120);
      expect(decisions.some((d) => d.rebased)).toBe(true);
      expect(limitAfterZeroLatency).toBe(64);
    }
  });
});
