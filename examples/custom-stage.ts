/**
 * A stage of your own that keeps the toolkit's contract, proved by the same conformance suite
 * every stage of backpressure-kit passes.
 *
 * `dedupe` lets the first task of each key through and drops the repeats, reporting each drop.
 * It is lossy on purpose, so it reports what it drops: conservation is "emitted or reported".
 *
 * Run: npx tsx examples/custom-stage.ts
 */
import { pathToFileURL } from 'node:url';
import { AbortedError, type Source, type Stage, type StageContext } from 'backpressure-kit';
import { conformanceChecks } from 'backpressure-kit/testing';

/** Options of {@link dedupe}. */
export interface DedupeOptions<T> {
  /** The key two tasks are the same by. */
  key: (item: T) => unknown;
  /** Called once for every repeat dropped. */
  onDrop?: (item: T) => void;
}

/** Drops every item whose key was seen before in this run; order is kept. */
export function dedupe<T>({ key, onDrop }: DedupeOptions<T>): Stage<T, T> {
  return async function* (source: Source<T>, context?: StageContext) {
    const seen = new Set<unknown>();
    // for await calls return() on the source on break, throw and abort: cleanup for free.
    for await (const item of source) {
      if (context?.signal?.aborted) throw new AbortedError(context.signal.reason);
      const k = key(item);
      if (seen.has(k)) onDrop?.(item);
      else {
        seen.add(k);
        yield item;
      }
    }
  };
}

/**
 * Runs the conformance suite on `dedupe`; resolves to the names of the checks passed (the
 * option-error check is skipped: `dedupe` declares no bad options).
 */
export async function main(): Promise<string[]> {
  const checks = conformanceChecks({
    name: 'dedupe',
    // The suite's inputs are distinct numbers; keying by Math.floor(n / 2) makes every second one a repeat.
    create: (hooks) =>
      dedupe<number>({ key: (n) => Math.floor(n / 2), onDrop: (n) => hooks.onDrop(n) }),
    ordered: true,
    lossy: true,
    bound: 0, // a generator pulls only when its consumer asks: it holds nothing in between
    numRuns: 20,
  });
  const passed: string[] = [];
  for (const check of checks) {
    // Throws on a violation, naming the invariant; a check `dedupe` opts out of says 'skipped'.
    if ((await check.run()) === 'passed') passed.push(check.name);
  }
  // And what it is for: repeats go, first occurrences stay, in order.
  const dropped: string[] = [];
  const kept: string[] = [];
  const urls = ['a', 'b', 'a', 'c', 'b'];
  for await (const url of dedupe<string>({ key: (u) => u, onDrop: (u) => dropped.push(u) })(urls)) {
    kept.push(url);
  }
  console.log(kept, dropped); // [ 'a', 'b', 'c' ] [ 'a', 'b' ]
  if (kept.join() !== 'a,b,c' || dropped.join() !== 'a,b') throw new Error('dedupe is wrong');
  console.log(`dedupe passed ${passed.length} conformance checks`);
  return passed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
