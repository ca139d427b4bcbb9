import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aimdLimit,
  fixedLimit,
  InvalidOptionValueError,
  type KneeDecision,
  kneeLimit,
  type LimitAlgorithm,
  type LimitOutcome,
  type LimitSample,
} from '../../src/index.js';

const boundsArb = fc
  .record({ min: fc.integer({ min: 1, max: 10 }), span: fc.integer({ min: 0, max: 200 }) })
  .chain(({ min, span }) =>
    fc.integer({ min, max: min + span }).map((initial) => ({ min, max: min + span, initial })),
  );

const outcomeArb = fc.constantFrom<LimitOutcome>(
  'success',
  'success',
  'success',
  'drop',
  'ignore',
  'failure',
);

/** A sample sequence on a non-decreasing clock: each step advances time by `dt`. */
const samplesArb = fc.array(
  fc.record({
    dt: fc.integer({ min: 0, max: 5_000 }),
    latencyMs: fc.double({ min: 0, max: 60_000, noNaN: true }),
    outcome: outcomeArb,
    inFlight: fc.integer({ min: 0, max: 300 }),
  }),
  { maxLength: 400 },
);

function feed(
  algorithm: LimitAlgorithm,
  bounds: { min: number; max: number; initial: number },
  steps: { dt: number; latencyMs: number; outcome: LimitOutcome; inFlight: number }[],
  check: (limit: number) => void,
): void {
  const controller = algorithm.create(bounds);
  let now = 0;
  for (const step of steps) {
    now += step.dt;
    check(controller.onSample({ ...step, now }));
    check(controller.limit);
  }
}

describe('limit controllers: properties', () => {
  it('P1: min <= limit <= max for any samples and any clock (knee, aimd, fixed)', () => {
    fc.assert(
      fc.property(boundsArb, samplesArb, fc.boolean(), (bounds, steps, backwards) => {
        // `backwards` lets the clock jump back too: the bounds must hold whatever time does.
        const stepsWithClock = backwards
          ? steps.map((s, i) => ({ ...s, dt: i % 3 === 0 ? -s.dt : s.dt }))
          : steps;
        for (const algorithm of [
          kneeLimit(),
          aimdLimit(),
          aimdLimit({ oncePerEpoch: false, timeoutMs: 5_000 }),
          fixedLimit(bounds.initial),
        ]) {
          feed(algorithm, bounds, stepsWithClock, (limit) => {
            expect(limit).toBeGreaterThanOrEqual(bounds.min);
            expect(limit).toBeLessThanOrEqual(bounds.max);
          });
        }
        // A fixed limit outside the bounds is refused, never clamped.
        expect(() => fixedLimit(bounds.max + 1).create(bounds)).toThrow(InvalidOptionValueError);
      }),
      { numRuns: 150 },
    );
  });

  it('P2: a window with drops never raises the limit', () => {
    fc.assert(
      fc.property(boundsArb, samplesArb, (bounds, steps) => {
        const decisions: KneeDecision[] = [];
        feed(kneeLimit({ onDecision: (d) => decisions.push(d) }), bounds, steps, () => {});
        for (const d of decisions)
          if (d.drops > 0) expect(d.limit).toBeLessThanOrEqual(d.limitBefore);
      }),
      { numRuns: 150 },
    );
  });

  it('P2: a window of significantly inflated latencies never raises the limit (within the baseline horizon)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 20_000 }), // baseline latency
        fc.double({ min: 1.6, max: 20, noNaN: true }), // inflation factor
        fc.array(fc.double({ min: 0.95, max: 1.05, noNaN: true }), {
          minLength: 200,
          maxLength: 200,
        }), // noise
        fc.integer({ min: 60, max: 400 }),
        (base, factor, noise, inflatedCount) => {
          const decisions: KneeDecision[] = [];
          // A rise that lasts longer than the horizon becomes the new baseline by design
          // (the service got slower for good), so the horizon is made longer than the test.
          const controller = kneeLimit({
            horizonMs: 1e12,
            windowMinMs: 0,
            onDecision: (d) => decisions.push(d),
          }).create({ min: 1, max: 1_000, initial: 64 });
          let now = 0;
          for (let i = 0; i < 200; i++) {
            now += base / 8;
            controller.onSample({
              latencyMs: base * noise[i]!,
              outcome: 'success',
              inFlight: Math.floor(controller.limit),
              now,
            });
          }
          const riseAt = now;
          for (let j = 0; j < inflatedCount; j++) {
            now += (base * factor) / 8;
            const latencyMs = base * factor * noise[j % 200]!;
            controller.onSample({
              latencyMs,
              outcome: 'success',
              inFlight: Math.floor(controller.limit),
              now,
            });
          }
          // Windows that opened after the rise hold only inflated samples. Once the limit is
          // so low that the rise exceeds what its calls in flight could queue, the rise is the
          // service's own: the controller re-learns its baseline (`rebased`) and may grow again.
          let inflatedWindows = 0;
          for (let i = 1; i < decisions.length; i++) {
            if (decisions[i - 1]!.now < riseAt) continue;
            if (decisions.slice(0, i + 1).some((d) => d.rebased)) break;
            inflatedWindows++;
            expect(decisions[i]!.limit).toBeLessThanOrEqual(decisions[i]!.limitBefore);
            expect(decisions[i]!.action).not.toBe('grow');
          }
          // The property is not vacuous: long inflated phases do close such windows.
          if (inflatedCount >= 100) expect(inflatedWindows).toBeGreaterThan(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('P3: k drops from calls started before a cut cause exactly one cut (knee and aimd)', () => {
    fc.assert(
      fc.property(
        samplesArb,
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 50 }),
        (prefix, k, offsets) => {
          for (const make of [() => kneeLimit(), () => aimdLimit({ backoff: 0.8 })]) {
            const cuts: number[] = [];
            const algorithm = make();
            const controller = algorithm.create({ min: 1, max: 10_000, initial: 5_000 });
            let now = 0;
            for (const s of prefix) {
              now += s.dt;
              controller.onSample({ ...s, now });
            }
            // Far enough after the prefix that the first drop starts after any earlier cut.
            const cutAt = now + 100_000;
            const before = controller.limit;
            controller.onSample({ latencyMs: 10, outcome: 'drop', inFlight: 5, now: cutAt });
            const after = controller.limit;
            expect(after).toBeLessThan(before);
            cuts.push(after);
            for (let i = 0; i < k; i++) {
              // Started at or before the cut, finishing after it.
              const finish = cutAt + offsets[i % offsets.length]!;
              const startedAt = cutAt - (offsets[(i + 1) % offsets.length]! % 5_000);
              const sample: LimitSample = {
                latencyMs: finish - startedAt,
                outcome: 'drop',
                inFlight: 5,
                now: finish,
              };
              controller.onSample(sample);
            }
            expect(controller.limit).toBe(after);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('P9: with supply below capacity the limit stays <= max(initial, 2 x peak in-flight)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }), // the most calls the supply ever has in flight
        fc.integer({ min: 1, max: 16 }),
        fc.array(
          fc.record({
            dt: fc.integer({ min: 0, max: 2_000 }),
            latencyMs: fc.double({ min: 1, max: 20_000, noNaN: true }),
            outcome: outcomeArb,
            share: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          { maxLength: 500 },
        ),
        (peak, initial, steps) => {
          const controller = kneeLimit().create({ min: 1, max: 10_000, initial });
          let now = 0;
          let seenPeak = 0;
          for (const s of steps) {
            now += s.dt;
            const inFlight = Math.min(
              Math.floor(controller.limit),
              Math.max(1, Math.round(s.share * peak)),
            );
            seenPeak = Math.max(seenPeak, inFlight);
            const limit = controller.onSample({
              latencyMs: s.latencyMs,
              outcome: s.outcome,
              inFlight,
              now,
            });
            expect(limit).toBeLessThanOrEqual(Math.max(initial, 2 * seenPeak));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('is deterministic: the same samples give the same limits', () => {
    fc.assert(
      fc.property(boundsArb, samplesArb, (bounds, steps) => {
        const a: number[] = [];
        const b: number[] = [];
        feed(kneeLimit(), bounds, steps, (l) => a.push(l));
        feed(kneeLimit(), bounds, steps, (l) => b.push(l));
        expect(a).toEqual(b);
      }),
      { numRuns: 50 },
    );
  });
});

/** A run of calls with starts reported: each step starts a call or finishes one in flight. */
const callStepsArb = fc.array(
  fc.record({
    dt: fc.integer({ min: 0, max: 3_000 }),
    start: fc.boolean(),
    pick: fc.nat(),
    outcome: outcomeArb,
  }),
  { maxLength: 600 },
);

/** Replays `steps` on `controller`, reporting starts only when `reportStarts`. */
function replay(
  controller: ReturnType<LimitAlgorithm['create']>,
  steps: { dt: number; start: boolean; pick: number; outcome: LimitOutcome }[],
  reportStarts: boolean,
): number[] {
  const limits: number[] = [];
  const inFlight: number[] = [];
  let now = 0;
  for (const step of steps) {
    now += step.dt;
    if (step.start || inFlight.length === 0) {
      inFlight.push(now);
      if (reportStarts) controller.onStart?.(now);
      continue;
    }
    const startedAt = inFlight.splice(step.pick % inFlight.length, 1)[0]!;
    limits.push(
      controller.onSample({
        latencyMs: now - startedAt,
        outcome: step.outcome,
        inFlight: inFlight.length + 1,
        now,
        startedAt,
      }),
    );
  }
  return limits;
}

describe('kneeLimit: the in-flight age signal', () => {
  it('P10: a decision made on in-flight ages never raises the limit, and bounds hold', () => {
    fc.assert(
      fc.property(
        boundsArb,
        callStepsArb,
        fc.double({ min: 0, max: 5, noNaN: true }),
        (bounds, steps, ageZ) => {
          const decisions: KneeDecision[] = [];
          const controller = kneeLimit({
            ageZ,
            windowMinMs: 0,
            onDecision: (d) => decisions.push(d),
          }).create(bounds);
          for (const limit of replay(controller, steps, true)) {
            expect(limit).toBeGreaterThanOrEqual(bounds.min);
            expect(limit).toBeLessThanOrEqual(bounds.max);
          }
          for (const d of decisions) {
            if (d.agedP50Ms === undefined) continue;
            expect(d.action).not.toBe('grow');
            expect(d.limit).toBeLessThanOrEqual(d.limitBefore);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('P11: without the age signal (off, or no starts reported) the limits are the same', () => {
    fc.assert(
      fc.property(boundsArb, callStepsArb, (bounds, steps) => {
        const plain = replay(kneeLimit().create(bounds), steps, false);
        expect(replay(kneeLimit().create(bounds), steps, true)).toEqual(plain);
        expect(replay(kneeLimit({ ageZ: 2 }).create(bounds), steps, false)).toEqual(plain);
      }),
      { numRuns: 100 },
    );
  });
});
