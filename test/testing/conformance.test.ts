import { describe, expect, it } from 'vitest';
import { AbortedError, type Stage } from '../../src/index.js';
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
