/**
 * TaskIdSet answers exactly as a `Set<string | number>` does (the model), whatever the ids:
 * numbers against the strings that print the same, wide and lone-surrogate strings (which a
 * UTF-8 encoding would merge), keys too long for compact storage, and enough ids to grow the
 * table and fill several storage chunks; with the ids' bytes in memory and in the temporary file
 * (`keysInMemory: 0` sends every full chunk there).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { TaskId } from '../../src/cli/solve-record.js';
import { TaskIdSet } from '../../src/cli/task-id-set.js';

const id: fc.Arbitrary<TaskId> = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
  // Lone surrogates: '\ud800' and '\ufffd' are distinct ids.
  fc.constantFrom('\ud800', '\udfff', '\ufffd', '1', '-0', '0', 'NaN', '1e+21', 'é', 'ÿ'),
  fc.integer({ min: -1_000, max: 1_000 }),
  fc.constantFrom(0, -0, 1e21, 0.1, Number.MAX_SAFE_INTEGER, -1.5),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  // Longer than the compact keys: kept aside, still exact.
  fc.nat(3).map((n) => `${'x'.repeat(4_096)}${n}`),
);

describe('TaskIdSet', () => {
  test.prop([
    fc.array(fc.tuple(fc.boolean(), id), { maxLength: 200 }),
    fc.constantFrom(0, 65_536, undefined),
  ])('has, add, size and insertion-order iteration agree with Set', (operations, keysInMemory) => {
    const model = new Set<TaskId>();
    const ids = new TaskIdSet([], keysInMemory === undefined ? {} : { keysInMemory });
    for (const [adding, value] of operations) {
      if (adding) {
        expect(ids.add(value)).toBe(ids);
        model.add(value);
      } else {
        expect(ids.has(value)).toBe(model.has(value));
      }
      expect(ids.size).toBe(model.size);
    }
    const compact = [...model].filter((v) => String(v).length < 4_096);
    const long = [...model].filter((v) => String(v).length >= 4_096);
    expect([...ids]).toEqual([...compact, ...long]);
    for (const value of model) expect(ids.has(value)).toBe(true);
    ids.close();
  });

  // Keys of 505 bytes fill a 64 KiB chunk in 130 ids, so most ids are read back from the file;
  // all of one length, so an absent id whose one-byte tag matches a stored id's is compared
  // byte for byte with it (the case a length check alone gets wrong).
  const longish: fc.Arbitrary<TaskId> = fc.oneof(
    fc.nat(9_999).map((n) => `${'k'.repeat(500)}${String(n).padStart(4, '0')}`),
    fc.nat(9_999).map((n) => `${'ā'.repeat(250)}${String(n).padStart(4, '0')}`),
    fc.nat(60),
  );
  test.prop([fc.array(fc.tuple(fc.boolean(), longish), { minLength: 200, maxLength: 600 })])(
    'agrees with Set when most ids are read back from the temporary file',
    (operations) => {
      const model = new Set<TaskId>();
      const ids = new TaskIdSet([], { keysInMemory: 0 });
      for (const [adding, value] of operations) {
        if (adding) {
          ids.add(value);
          model.add(value);
        } else expect(ids.has(value)).toBe(model.has(value));
      }
      expect(ids.size).toBe(model.size);
      expect([...ids]).toEqual([...model]);
      ids.close();
    },
  );

  it.each([{ keysInMemory: 0 }, { keysInMemory: 1 << 30 }])(
    'holds 200,000 ids exactly across table growth and storage chunks (%o)',
    (options) => {
      // About 1.5 MB of keys (24 chunks of 64 KiB); the table grows by half from 1,024 slots.
      const ids = new TaskIdSet([], options);
      const expected: TaskId[] = [];
      for (let i = 0; i < 100_000; i++) {
        ids.add(`t${i}`).add(i);
        expected.push(`t${i}`, i);
      }
      expect(ids.size).toBe(200_000);
      const missing = expected.filter((value) => !ids.has(value));
      expect(missing).toEqual([]);
      const strangers = [String(5), 't100000', 100_000, 'T1', -1];
      expect(strangers.filter((value) => ids.has(value))).toEqual([]);
      expect([...ids]).toEqual(expected);
      ids.close();
    },
  );

  it('is unusable after close() once its ids are in the file, and usable when they never were', () => {
    const spilled = new TaskIdSet([], { keysInMemory: 0 });
    for (let i = 0; i < 20_000; i++) spilled.add(`t${i}`);
    spilled.close();
    spilled.close();
    expect(() => {
      for (let i = 0; i < 20_000; i++) spilled.has(`t${i}`);
    }).toThrow('TaskIdSet: used after close()');
    const small = new TaskIdSet(['a']);
    small.close();
    expect(small.add('b').has('a')).toBe(true);
    expect([...small]).toEqual(['a', 'b']);
  });

  it('compares an id with one read back from the file byte for byte, not by length and tag', () => {
    // 20,000 stored ids and 20,000 absent ones, all of one length: about 1 probe in 256 meets a
    // stored id with the same one-byte tag, so a hundred or so absent ids are compared with one
    // read back from the file.
    const key = (prefix: string, i: number): string =>
      `${prefix.repeat(500)}${String(i).padStart(5, '0')}`;
    const ids = new TaskIdSet([], { keysInMemory: 0 });
    for (let i = 0; i < 20_000; i++) ids.add(key('k', i));
    const wrong: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      if (!ids.has(key('k', i))) wrong.push(key('k', i).slice(500));
      if (ids.has(key('j', i))) wrong.push(`j${i}`);
    }
    expect(wrong).toEqual([]);
    expect(ids.size).toBe(20_000);
    ids.close();
  });

  it('refuses a negative keysInMemory', () => {
    expect(() => new TaskIdSet([], { keysInMemory: -1 })).toThrow(RangeError);
  });

  it('starts with the ids it is given', () => {
    expect([...new TaskIdSet(['a', 1, 'a'])]).toEqual(['a', 1]);
  });
});
