import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  boundedBuffer,
  InvalidOptionValueError,
  type Stage,
} from '../../src/index.js';
import { type ConformanceSubject, conformanceChecks } from '../../src/testing/index.js';

/** The suite must catch broken stages, or it proves nothing. */
function checkNamed(subject: ConformanceSubject, fragment: string) {
  const check = conformanceChecks({ ...subject, numRuns: 15 }).find((c) =>
    c.name.includes(fragment),
  );
  if (!check) throw new Error(`no check named like ${fragment}`);
  return check;
}

const passThrough: Stage<number, number> = async function* (source, context) {
  for await (const x of source) {
    if (context?.signal?.aborted) throw new AbortedError(context.signal.reason);
    yield x;
  }
};

const ignoresAbort: Stage<number, number> = async function* (source) {
  for await (const x of source) yield x;
};

const losesOne: Stage<number, number> = async function* (source) {
  let i = 0;
  for await (const x of source) if (i++ !== 3) yield x;
};

const reorders: Stage<number, number> = async function* (source) {
  let held: number | undefined;
  for await (const x of source) {
    if (held === undefined) held = x;
    else yield x;
  }
  if (held !== undefined) yield held;
};

/** Never calls return() on its source: reads it by hand and stops. */
const leaksSource: Stage<number, number> = (source) => {
  const iterator = (source as AsyncIterable<number>)[Symbol.asyncIterator]
    ? (source as AsyncIterable<number>)[Symbol.asyncIterator]()
    : (() => {
        const it = (source as Iterable<number>)[Symbol.iterator]();
        return { next: async () => it.next() };
      })();
  return {
    [Symbol.asyncIterator]() {
      return {
        next: () => iterator.next(),
        return: async () => ({ done: true, value: undefined }),
      };
    },
  };
};

const swallowsErrors: Stage<number, number> = async function* (source) {
  try {
    for await (const x of source) yield x;
  } catch {
    // hides the source's failure
  }
};

describe('conformance suite catches broken stages', () => {
  it('accepts a correct pass-through stage', async () => {
    for (const check of conformanceChecks({
      name: 'pass',
      create: () => passThrough,
      ordered: true,
      numRuns: 10,
    })) {
      await check.run();
    }
  });

  it('catches a lost item', async () => {
    await expect(
      checkNamed({ name: 'lossy', create: () => losesOne, ordered: true }, 'conserves').run(),
    ).rejects.toThrow(/conservation/);
  });

  it('catches broken order', async () => {
    await expect(
      checkNamed({ name: 'reorder', create: () => reorders, ordered: true }, 'conserves').run(),
    ).rejects.toThrow(/order broken/);
  });

  it('catches a source left open on early exit', async () => {
    await expect(
      checkNamed({ name: 'leak', create: () => leaksSource, ordered: true }, 'early exit').run(),
    ).rejects.toThrow(/source not closed/);
  });

  it('catches a swallowed source error', async () => {
    await expect(
      checkNamed(
        { name: 'swallow', create: () => swallowsErrors, ordered: true },
        'own error',
      ).run(),
    ).rejects.toThrow(/source's error/);
  });

  it('catches a stage that ignores abort', async () => {
    await expect(
      checkNamed({ name: 'deaf', create: () => ignoresAbort, ordered: true }, 'aborts').run(),
    ).rejects.toThrow(/AbortError/);
  });
});

/** Reads its whole source ahead before emitting anything: holds every item at once. */
const readsAll: Stage<number, number> = async function* (source) {
  const all: number[] = [];
  for await (const x of source) all.push(x);
  yield* all;
};

/** A buffer that reads one item further ahead than the `highWaterMark` it claims. */
function overReading(highWaterMark: number): Stage<number, number> {
  return (source) => boundedBuffer<number>(highWaterMark + 1)(source);
}

/** A stage factory that validates nothing: bad options pass silently. */
const lenient = (_options: { size: number }): Stage<number, number> => passThrough;

/** A stage factory that validates only when the stage first runs, not when it is called. */
function lazy(options: { size: number }): Stage<number, number> {
  return async function* (source) {
    if (options.size < 1) {
      throw new InvalidOptionValueError({
        option: 'size',
        expected: 'an integer from 1 and up',
        received: options.size,
      });
    }
    yield* passThrough(source);
  };
}

/** A stage factory that rejects a bad option with a plain Error (no code, option, value). */
function untyped(options: { size: number }): Stage<number, number> {
  if (options.size < 1) throw new Error('size must be positive');
  return passThrough;
}

const badSize = (create: (o: { size: number }) => unknown) => [
  { create: () => create({ size: 0 }), option: 'size', value: 0, kind: 'value' as const },
];

describe('conformance suite checks the bound (invariant 2)', () => {
  it('passes a buffer that holds exactly its highWaterMark', async () => {
    await checkNamed(
      { name: 'buffer', create: () => boundedBuffer<number>(3), ordered: true, bound: 3 },
      'never holds',
    ).run();
  });

  it('catches a stage that reads its whole source ahead', async () => {
    await expect(
      checkNamed(
        { name: 'greedy', create: () => readsAll, ordered: true, bound: 4 },
        'never holds',
      ).run(),
    ).rejects.toThrow(/holds \d+ items .*above its bound of 4/);
  });

  it('catches a stage that holds one item more than its bound', async () => {
    await expect(
      checkNamed(
        { name: 'off by one', create: () => overReading(3), ordered: true, bound: 3 },
        'never holds',
      ).run(),
    ).rejects.toThrow(/holds 4 items .*above its bound of 3/);
  });
});

describe('conformance suite checks option errors (invariant 5)', () => {
  const subject = (create: (o: { size: number }) => Stage<number, number>) => ({
    name: 'sized',
    create: () => create({ size: 1 }),
    ordered: true,
    badOptions: badSize(create),
  });

  it('passes a factory that throws the typed error at call time', async () => {
    const strict = (options: { size: number }): Stage<number, number> => {
      if (options.size < 1) {
        throw new InvalidOptionValueError({
          option: 'size',
          expected: 'an integer from 1 and up',
          received: options.size,
        });
      }
      return passThrough;
    };
    await expect(checkNamed(subject(strict), 'bad option').run()).resolves.toBe('passed');
  });

  it('catches a stage that accepts a bad option silently', async () => {
    await expect(checkNamed(subject(lenient), 'bad option').run()).rejects.toThrow(
      /accepted the bad option `size`: 0 silently/,
    );
  });

  it('catches a stage that rejects the bad option only when it first runs', async () => {
    await expect(checkNamed(subject(lazy), 'bad option').run()).rejects.toThrow(/silently/);
  });

  it('catches an untyped error: no RangeError, no code, no option, no value', async () => {
    await expect(checkNamed(subject(untyped), 'bad option').run()).rejects.toThrow(
      /not a RangeError, code undefined, not ERR_BPK_INVALID_OPTION_VALUE, option undefined, received undefined/,
    );
  });
});

describe('a check the subject opts out of is reported skipped, never passed', () => {
  const checks = conformanceChecks({
    name: 'plain',
    create: () => passThrough,
    ordered: true,
    propagatesSourceError: false,
  });
  const skipped = checks.filter((c) => c.skipped !== undefined);

  it('names the three opted-out checks and why', () => {
    expect(skipped.map((c) => c.skipped)).toEqual([
      'the subject declares no `bound`',
      'the subject says propagatesSourceError: false',
      'the subject declares no `badOptions`',
    ]);
    for (const c of skipped) expect(c.name).toContain(`(skipped: ${c.skipped})`);
  });

  it("calls the framework's skip(reason), or resolves 'skipped' without a context", async () => {
    for (const c of skipped) {
      const notes: (string | undefined)[] = [];
      await c.run({ skip: (note) => notes.push(note) });
      expect(notes).toEqual([c.skipped]);
      await expect(c.run()).resolves.toBe('skipped');
    }
  });

  it("resolves 'passed' for a check that ran", async () => {
    const ran = checks.find((c) => c.name.includes('early exit'))!;
    expect(ran.skipped).toBeUndefined();
    await expect(ran.run()).resolves.toBe('passed');
  });
});
