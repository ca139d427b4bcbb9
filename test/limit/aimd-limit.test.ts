import { describe, expect, it } from 'vitest';
import { aimdLimit, fixedLimit } from '../../src/index.js';

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
  it('never moves and is clamped into the bounds', () => {
    const c = fixedLimit(8).create({ min: 1, max: 100, initial: 4 });
    expect(c.limit).toBe(8);
    c.onSample({ latencyMs: 1, outcome: 'drop', inFlight: 8, now: 1 });
    expect(c.limit).toBe(8);
    expect(fixedLimit(500).create({ min: 1, max: 50, initial: 4 }).limit).toBe(50);
    expect(() => fixedLimit(0)).toThrow(RangeError);
    expect(() => fixedLimit(1.5)).toThrow(/`n` to be an integer from 1 and up, got 1.5/);
  });
});

describe('limit factories used on their own', () => {
  it('each factory result is also a controller with its own bounds', () => {
    const aimd = aimdLimit({ initial: 10, backoff: 0.5, min: 2, max: 12 });
    expect(aimd.limit).toBe(10);
    aimd.onSample({ latencyMs: 1, outcome: 'drop', inFlight: 10, now: 5 });
    expect(aimd.limit).toBe(5);
    for (let i = 0; i < 20; i++)
      aimd.onSample({ latencyMs: 1, outcome: 'success', inFlight: 12, now: 10 + i });
    expect(aimd.limit).toBe(12);
    expect(fixedLimit(8).limit).toBe(8);
    expect(fixedLimit(8).onSample({ latencyMs: 1, outcome: 'drop', inFlight: 8, now: 1 })).toBe(8);
  });

  it('stages get fresh controllers: the stand-alone one is not shared', () => {
    const aimd = aimdLimit({ initial: 10 });
    const a = aimd.create({ min: 1, max: 100, initial: 40 });
    a.onSample({ latencyMs: 1, outcome: 'drop', inFlight: 40, now: 5 });
    expect(a.limit).toBe(36);
    expect(aimd.limit).toBe(10);
    expect(aimd.create({ min: 1, max: 100, initial: 40 }).limit).toBe(40);
  });

  it('validates the stand-alone bounds', () => {
    expect(() => aimdLimit({ min: 0 })).toThrow(RangeError);
    expect(() => aimdLimit({ min: 5, max: 2 })).toThrow(/`max` to be an integer from 5/);
  });
});
