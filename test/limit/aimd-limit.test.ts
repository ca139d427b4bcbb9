import { describe, expect, it } from 'vitest';
import { aimdLimit, fixedLimit, InvalidOptionValueError } from '../../src/index.js';

describe('aimdLimit', () => {
  it('adds 1 per success while used and multiplies by backoff on a drop', () => {
    const c = aimdLimit({ backoff: 0.5 }).create({ min: 1, max: 100, initial: 10 });
    c.onSample({ latencyMs: 5, outcome: 'success', inFlight: 5, now: 10 });
    expect(c.limit).toBe(11);
    c.onSample({ latencyMs: 5, outcome: 'success', inFlight: 2, now: 20 }); // not used: hold
    expect(c.limit).toBe(11);
    c.onSample({ latencyMs: 5, outcome: 'drop', inFlight: 11, now: 30 });
    expect(c.limit).toBe(5.5);
  });

  it('treats a success slower than timeoutMs as a drop', () => {
    const c = aimdLimit({ timeoutMs: 100, backoff: 0.5 }).create({ min: 1, max: 100, initial: 10 });
    c.onSample({ latencyMs: 150, outcome: 'success', inFlight: 10, now: 200 });
    expect(c.limit).toBe(5);
  });

  it('cuts on every drop with oncePerEpoch: false, once per epoch by default', () => {
    const each = aimdLimit({ backoff: 0.5, oncePerEpoch: false }).create({
      min: 1,
      max: 100,
      initial: 64,
    });
    const once = aimdLimit({ backoff: 0.5 }).create({ min: 1, max: 100, initial: 64 });
    for (const c of [each, once]) {
      for (let i = 0; i < 3; i++)
        c.onSample({ latencyMs: 50, outcome: 'drop', inFlight: 10, now: 100 + i });
    }
    expect(each.limit).toBe(8);
    expect(once.limit).toBe(32);
  });

  it('stays within [min, max] and validates options', () => {
    const c = aimdLimit().create({ min: 3, max: 4, initial: 4 });
    for (let i = 0; i < 10; i++)
      c.onSample({ latencyMs: 1, outcome: 'success', inFlight: 4, now: i });
    expect(c.limit).toBe(4);
    for (let i = 0; i < 30; i++)
      c.onSample({ latencyMs: 0, outcome: 'drop', inFlight: 4, now: 100 + i });
    expect(c.limit).toBe(3);
    expect(() => aimdLimit({ backoff: 0.2 })).toThrow(RangeError);
    expect(() => aimdLimit({ backoff: 0.2 })).toThrow(/`backoff` to be a number from 0.5/);
  });
});

describe('fixedLimit', () => {
  it('never moves and must lie inside the bounds', () => {
    const c = fixedLimit(8).create({ min: 1, max: 100, initial: 4 });
    expect(c.limit).toBe(8);
    c.onSample({ latencyMs: 1, outcome: 'drop', inFlight: 8, now: 1 });
    expect(c.limit).toBe(8);
    // Outside the bounds it refuses, rather than silently running another number of calls.
    expect(() => fixedLimit(500).create({ min: 1, max: 50, initial: 4 })).toThrow(
      "Expected `fixedLimit(n)` to be inside the stage's `min` 1 and `max` 50, got 500",
    );
    expect(() => fixedLimit(2).create({ min: 3, max: 50, initial: 4 })).toThrow(
      InvalidOptionValueError,
    );
    expect(() => fixedLimit(0)).toThrow(RangeError);
    expect(() => fixedLimit(1.5)).toThrow(/`n` to be an integer from 1 and up, got 1.5/);
  });
});

describe('limit algorithms are not controllers', () => {
  it('a factory returns an algorithm only; each create() makes a fresh controller', () => {
    const aimd = aimdLimit({ backoff: 0.5 });
    expect(Object.keys(aimd).sort()).toEqual(['create', 'name']);
    const a = aimd.create({ min: 1, max: 100, initial: 40 });
    a.onSample({ latencyMs: 1, outcome: 'drop', inFlight: 40, now: 5 });
    expect(a.limit).toBe(20);
    expect(aimd.create({ min: 1, max: 100, initial: 40 }).limit).toBe(40);
  });

  it('deprecated bounds on a factory travel with the algorithm and must agree with create()', () => {
    const aimd = aimdLimit({ initial: 10, min: 2, max: 12 });
    expect(aimd.bounds).toEqual({ min: 2, max: 12, initial: 10 });
    const c = aimd.create({ min: 2, max: 12, initial: 10 });
    for (let i = 0; i < 20; i++)
      c.onSample({ latencyMs: 1, outcome: 'success', inFlight: 12, now: 10 + i });
    expect(c.limit).toBe(12);
    expect(() => aimd.create({ min: 2, max: 50, initial: 10 })).toThrow(InvalidOptionValueError);
    expect(() => aimd.create({ min: 2, max: 50, initial: 10 })).toThrow(
      'Expected `max` to be left out or the same as the `max` given to create() (50); bounds belong on the stage, got 12',
    );
  });

  it('validates the deprecated bounds at once', () => {
    expect(() => aimdLimit({ min: 0 })).toThrow(RangeError);
    expect(() => aimdLimit({ min: 5, max: 2 })).toThrow(/`max` to be an integer from 5/);
    expect(() => aimdLimit({ max: 3, initial: 4 })).toThrow(
      /`initial` to be an integer from 1 to 3/,
    );
  });
});
