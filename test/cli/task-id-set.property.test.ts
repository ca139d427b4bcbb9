/**
 * TaskIdSet answers exactly as a `Set<string | number>` does (the model), whatever the ids:
 * numbers against the strings that print the same, wide and lone-surrogate strings (which a
 * UTF-8 encoding would merge), keys too long for compact storage, and enough ids to grow the
 * table and fill several storage chunks.
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
  test.prop([fc.array(fc.tuple(fc.boolean(), id), { maxLength: 200 })])(
    'has, add, size and insertion-order iteration agree with Set',
    (operations) => {
      const model = new Set<TaskId>();
      const ids = new TaskIdSet();
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
    },
  );

  it('holds 200,000 ids exactly across table growth and storage chunks', () => {
    // About 1.5 MB of keys (six 256 KiB chunks); the table grows from 1,024 to 524,288 slots.
    const ids = new TaskIdSet();
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
  });

  it('starts with the ids it is given', () => {
    expect([...new TaskIdSet(['a', 1, 'a'])]).toEqual(['a', 1]);
  });
});
