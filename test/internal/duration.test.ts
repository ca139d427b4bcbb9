import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { duration, MAX_TIMER_MS } from '../../src/internal/validate.js';

describe('duration()', () => {
  it('accepts 0 through the longest timer delay', () => {
    expect(duration('d', 0)).toBe(0);
    expect(duration('d', MAX_TIMER_MS)).toBe(MAX_TIMER_MS);
  });

  it('refuses a delay a timer cannot hold, naming the option, the range and the value', () => {
    expect(() => duration('opts.delay', MAX_TIMER_MS + 1)).toThrow(RangeError);
    expect(() => duration('opts.delay', 2 ** 31)).toThrow(/opts\.delay.*2147483647.*2147483648/);
  });

  it('takes Infinity only when allowed, and still refuses finite overflows then', () => {
    expect(() => duration('d', Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(duration('d', Number.POSITIVE_INFINITY, { allowInfinity: true })).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(() => duration('d', 2 ** 40, { allowInfinity: true })).toThrow(RangeError);
  });

  it('refuses wrong types with a TypeError and values below min with a RangeError', () => {
    expect(() => duration('d', '5')).toThrow(TypeError);
    expect(() => duration('d', Number.NaN)).toThrow(RangeError);
    expect(() => duration('d', 0, { min: 1 })).toThrow(RangeError);
  });

  test.prop([fc.double({ noNaN: true })])(
    'accepts exactly the finite values in [0, 2^31-1]',
    (ms) => {
      const ok = Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIMER_MS;
      if (ok) expect(duration('d', ms)).toBe(ms);
      else expect(() => duration('d', ms)).toThrow(RangeError);
    },
  );
});
