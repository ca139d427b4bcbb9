import { describe, expect, it } from 'vitest';
import {
  adaptiveMap,
  type KneeDecision,
  kneeLimit,
  type LimitAlgorithm,
  type LimitSample,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { baseScenario, simulate } from '../helpers/adaptive-sim-model.js';
import { simulateStage } from '../helpers/adaptive-sim-stage.js';

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

  it('with the in-flight age signal on: the stage reports starts as the pure engine does', async () => {
    const s = { ...baseScenario, durationMs: 300_000, dropAtMs: 150_000, seed: 3 };
    const aged = (log: KneeDecision[]) => kneeLimit({ ageZ: 3, onDecision: (d) => log.push(d) });
    const pureLog: KneeDecision[] = [];
    const stageLog: KneeDecision[] = [];
    const pure = simulate(s, aged(pureLog).create({ min: 1, max: 500, initial: 4 }));
    const staged = await simulateStage(s, aged(stageLog));
    expect(stageLog).toEqual(pureLog);
    // The signal is not vacuous here: it makes decisions of its own.
    expect(pureLog.some((d) => d.agedP50Ms !== undefined)).toBe(true);
    expect(staged.limit).toEqual(pure.limit.slice(0, 300).map((l) => Math.floor(l)));
  });
});

describe('adaptiveMap reports starts to a controller that asks for them', () => {
  it('every reported start ends in exactly one sample with its startedAt, aborted calls as ignore', async () => {
    const clock = new VirtualClock();
    const starts: number[] = [];
    const samples: LimitSample[] = [];
    const recording: LimitAlgorithm = {
      name: 'recording',
      create: () => ({
        limit: 4,
        onStart: (now: number) => starts.push(now),
        onSample: (sample: LimitSample) => {
          samples.push(sample);
          return 4;
        },
      }),
    };
    const stage = adaptiveMap((ms: number) => clock.sleep(ms).then(() => ms), {
      algorithm: recording,
      clock,
      classify: ({ value }) => (value === 30 ? 'ignore' : 'success'),
    });
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const value of stage([10, 30, 20, 50, 40, 1_000, 1_000, 1_000])) {
        seen.push(value);
        if (seen.length === 4) break; // the calls still in flight are aborted
      }
    })();
    await clock.runAll(100);
    await consumer;
    await clock.runAll(100);
    expect(starts.length).toBeGreaterThanOrEqual(6);
    expect(samples.map((s) => s.startedAt).sort((a, b) => a! - b!)).toEqual(starts);
    for (const sample of samples) expect(sample.latencyMs).toBe(sample.now - sample.startedAt!);
    expect(samples.filter((s) => s.outcome === 'ignore').length).toBeGreaterThanOrEqual(1);
    expect(stage.stats().inFlight).toBe(0);
  });
});
