/**
 * The cost per item of `adaptiveMap({ ordered: true })` against how many finished results
 * wait in its window for a slower one ahead of them. With a fixed limit of W, item 0, W, 2W …
 * each finish one macrotask later while the W - 1 items behind them finish at once, so the
 * window holds up to W results before it drains. Prints ns per item (median of the reps) and
 * the ratio to W = 1,000 measured in the same run (cases interleaved).
 *
 *   node --expose-gc --import tsx bench/ordered-window.ts [--n=256000] [--reps=3] [--quick]
 */
import { adaptiveMap, fixedLimit } from '../src/index.js';
import { machineLine, median, numberFlag } from './harness.js';
import { GroupRecorder, sized } from './results.js';

const N = numberFlag('n', sized(256_000, 16_000));
const REPS = numberFlag('reps', sized(3, 1));
const WINDOWS = sized([1_000, 8_000, 16_000, 32_000, 64_000], [1_000, 8_000]);

function* numbers(): Generator<number> {
  for (let i = 0; i < N; i++) yield i;
}

const later = (x: number): Promise<number> =>
  new Promise((resolve) => setImmediate(() => resolve(x)));

async function runOnce(window: number): Promise<number> {
  const stage = adaptiveMap((x: number) => (x % window === 0 ? later(x) : x), {
    ordered: true,
    algorithm: fixedLimit(window),
    min: window,
    max: window,
  });
  let expected = 0;
  const startedAt = process.hrtime.bigint();
  for await (const x of stage(numbers())) {
    if (x !== expected++) throw new Error(`order broken at ${expected - 1}: got ${x}`);
  }
  const ns = Number(process.hrtime.bigint() - startedAt);
  if (expected !== N) throw new Error(`lost items: ${expected} of ${N}`);
  return ns / N;
}

const recorder = new GroupRecorder('ordered-window', {
  title: 'adaptiveMap({ ordered: true }): the window of finished results',
  about:
    'The cost per item of `adaptiveMap({ ordered: true })` against how many finished results ' +
    'wait in its window for a slower one ahead of them. With a fixed limit of W, items 0, W, 2W … ' +
    'each finish one macrotask later while the W - 1 behind them finish at once, so the window ' +
    'holds up to W results before it drains. Ratios are to W = 1,000, measured in the same run ' +
    '(cases interleaved).',
  command: `node --expose-gc --import tsx bench/ordered-window.ts --n=${N} --reps=${REPS}`,
});
console.log(
  `adaptiveMap ordered window, N = ${N.toLocaleString('en-US')} items, ${REPS} reps; ${machineLine()}`,
);
const samples = new Map<number, number[]>();
for (let rep = 0; rep < REPS; rep++) {
  for (const window of WINDOWS) {
    (globalThis as { gc?: () => void }).gc?.();
    const list = samples.get(window) ?? [];
    list.push(await runOnce(window));
    samples.set(window, list);
  }
  console.log(`  rep ${rep + 1}/${REPS} done`);
}
const base = median(samples.get(WINDOWS[0]!)!);
recorder.table({
  title: `ns per item, N = ${N.toLocaleString('en-US')}, median of ${REPS} reps`,
  columns: ['results waiting in the window (up to)', 'ns/item (median)', 'x window 1,000'],
  rows: WINDOWS.map((window) => {
    const ns = median(samples.get(window)!);
    return [window.toLocaleString('en-US'), ns.toFixed(1), `${(ns / base).toFixed(2)}x`];
  }),
});
recorder.save();
