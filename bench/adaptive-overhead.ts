/**
 * adaptiveMap overhead (run: `node --expose-gc --import tsx bench/adaptive-overhead.ts`,
 * or `npx tsx bench/adaptive-overhead.ts`; flags `--n=1000000 --reps=5 --timer-n=10000
 * --only=ABC --quick`).
 *
 * A. fn = `async x => x`, limit 8, N items from an async generator: ns/item and ratios to A1
 *    (raw `for await` over a sync generator), against the peers a user would pick.
 * B. adaptiveLimit (its own queue of waiting calls) vs p-limit and a hand-written
 *    semaphore, 16 calls kept in flight through an ordered window.
 * C. Timer-bound: concurrency 16, fn sleeps 1 ms, against the floor of 16 plain worker loops
 *    over one shared iterator.
 * All cases of a section run interleaved in one process; medians over `reps`, and the report
 * gives each ratio's min–max over the repetitions. (`bench/before-after.ts` measures a change
 * against an older revision in the same run.)
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { pMapIterable } from 'p-map';
import { transform } from 'streaming-iterables';
import { adaptiveLimit, adaptiveMap, fixedLimit, kneeLimit } from '../src/index.js';
import {
  asyncItems,
  type BenchCase,
  freshConsumer,
  machineLine,
  numberFlag,
  runSuite,
  syncItems,
} from './harness.js';
import { GroupRecorder, sized } from './results.js';

type Item = { i: number };
const N = numberFlag('n', sized(1_000_000, 2_000));
const REPS = numberFlag('reps', sized(5, 2));
const TIMER_N = numberFlag('timer-n', sized(10_000, 64));
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice(7) ?? 'ABC';
const expected = (n: number) => (n * (n - 1)) / 2;
const log = (line: string) => console.error(line);

const fn = async (x: Item) => x;

function stageCase(
  name: string,
  make: () => (src: AsyncIterable<Item>) => AsyncIterable<Item>,
): BenchCase {
  const consume = freshConsumer();
  return { name, run: () => consume(make()(asyncItems(N))) };
}

const recorder = new GroupRecorder('adaptive-overhead', {
  title: 'adaptiveMap and adaptiveLimit: overhead',
  about:
    'A: `fn = async x => x` with a limit of 8 over N items of an async generator, against the ' +
    'peers a user would pick (ratios to A1, a raw `for await` over a sync generator). B: ' +
    '`adaptiveLimit` against p-limit and a hand-written semaphore, 16 calls kept in flight ' +
    'through an ordered window. C: timer-bound, concurrency 16, `fn` sleeps 1 ms, against the ' +
    'floor of 16 plain worker loops over one shared iterator. Cases of a section run ' +
    'interleaved in one process.',
  command: `node --expose-gc --import tsx bench/adaptive-overhead.ts --n=${N} --reps=${REPS} --timer-n=${TIMER_N}`,
});

console.log(`# adaptiveMap overhead\n\n${machineLine()}\n`);

// --- A -------------------------------------------------------------------------------------
if (ONLY.includes('A')) {
  const a1 = freshConsumer();
  const seq = freshConsumer();
  const cases: BenchCase[] = [
    {
      name: 'A1 raw for-await over sync gen (no fn)',
      run: () => a1(syncItems(N) as unknown as AsyncIterable<Item>),
    },
    {
      name: 'ref: sequential for-await + await fn (c=1)',
      run: () =>
        seq(
          (async function* () {
            for await (const x of asyncItems(N)) yield await fn(x);
          })(),
        ),
    },
    stageCase('adaptiveMap fixedLimit(8), unordered', () =>
      adaptiveMap(fn, { algorithm: fixedLimit(8) }),
    ),
    stageCase('adaptiveMap fixedLimit(8), ordered', () =>
      adaptiveMap(fn, { algorithm: fixedLimit(8), ordered: true }),
    ),
    stageCase('adaptiveMap kneeLimit (max 8), unordered', () =>
      adaptiveMap(fn, { algorithm: kneeLimit(), initial: 8, max: 8 }),
    ),
    stageCase('adaptiveMap kneeLimit (max 8), ordered', () =>
      adaptiveMap(fn, { algorithm: kneeLimit(), initial: 8, max: 8, ordered: true }),
    ),
    stageCase('streaming-iterables transform(8) [unordered]', () => (src) => transform(8, fn, src)),
    stageCase(
      'p-map pMapIterable(8) [ordered]',
      () => (src) => pMapIterable(src, fn, { concurrency: 8 }),
    ),
    stageCase(
      'node Readable.from(src).map(fn, {concurrency: 8}) [ordered]',
      () => (src) =>
        Readable.from(src, { highWaterMark: 16 }).map(fn, {
          concurrency: 8,
        }) as AsyncIterable<Item>,
    ),
  ];
  log('A: overhead');
  const results = await runSuite(cases, { reps: REPS, expected: expected(N), log });
  recorder.suite(
    `A. fn = async x => x, limit 8, N = ${N.toLocaleString('en')}, async generator source, ${REPS} reps`,
    results,
    {
      items: N,
      baseline: 'A1 raw for-await over sync gen (no fn)',
      targets: {
        'adaptiveMap fixedLimit(8), unordered': 3,
        'adaptiveMap fixedLimit(8), ordered': 3,
      },
    },
  );
  // kneeLimit against fixedLimit, per repetition (target <= 1.10x).
  const runs = (name: string) => results.find((r) => r.name === name)!.runsMs;
  const rows = (['unordered', 'ordered'] as const).map((order) => {
    const knee = runs(`adaptiveMap kneeLimit (max 8), ${order}`);
    const fixed = runs(`adaptiveMap fixedLimit(8), ${order}`);
    const ratios = knee.map((ms, k) => ms / fixed[k]!).sort((a, b) => a - b);
    const mid = ratios[ratios.length >> 1]!;
    return [
      order,
      `${mid.toFixed(2)}x`,
      `${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}x`,
      mid <= 1.1 ? '<= 1.10x met' : '<= 1.10x MISSED',
    ];
  });
  recorder.table({
    title: 'A. kneeLimit against fixedLimit(8), same run',
    columns: ['order', 'x fixedLimit (median rep)', 'min–max over reps', 'target'],
    rows,
  });
}

// --- B -------------------------------------------------------------------------------------
if (ONLY.includes('B')) {
  const M = Math.max(1, Math.floor(N / 5));
  /** A hand-written adjustable semaphore with the p-limit call shape. */
  const handLimit = (concurrency: number) => {
    let active = 0;
    const queue: (() => void)[] = [];
    const release = () => {
      active--;
      const next = queue.shift();
      if (next) {
        active++;
        next();
      }
    };
    return <R>(f: () => Promise<R>): Promise<R> => {
      const run = () => {
        const p = f();
        p.then(release, release);
        return p;
      };
      if (active < concurrency) {
        active++;
        return run();
      }
      return new Promise<void>((resolve) => queue.push(resolve)).then(run);
    };
  };
  const windowed = (limit: <R>(f: () => Promise<R>) => Promise<R>) => async () => {
    const window: Promise<Item>[] = [];
    let sum = 0;
    for (let i = 0; i < M; i++) {
      const item = { i };
      window.push(limit(() => fn(item)));
      if (window.length >= 16) sum += (await window.shift()!).i;
    }
    for (const p of window) sum += (await p).i;
    return sum;
  };
  const cases: BenchCase[] = [
    { name: 'hand-written semaphore(8)', run: windowed(handLimit(8)) },
    { name: 'p-limit(8)', run: windowed(pLimit(8)) },
    {
      name: 'adaptiveLimit(fixedLimit(8))',
      run: windowed(adaptiveLimit({ algorithm: fixedLimit(8) })),
    },
    {
      name: 'adaptiveLimit(kneeLimit, max 8)',
      run: windowed(adaptiveLimit({ initial: 8, max: 8 })),
    },
  ];
  log('B: adaptiveLimit');
  const results = await runSuite(cases, { reps: REPS, expected: expected(M), log });
  recorder.suite(
    `B. limit(fn) with 16 calls kept in flight, ${M.toLocaleString('en')} calls, ${REPS} reps`,
    results,
    { items: M, baseline: 'p-limit(8)' },
  );
}

// --- C -------------------------------------------------------------------------------------
if (ONLY.includes('C')) {
  const sleepy = async (x: Item) => {
    await sleep(1);
    return x;
  };
  const floor = async () => {
    const it = syncItems(TIMER_N);
    let sum = 0;
    const worker = async () => {
      for (let r = it.next(); !r.done; r = it.next()) {
        const x = await sleepy(r.value);
        sum += x.i;
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return sum;
  };
  const consumeU = freshConsumer();
  const consumeO = freshConsumer();
  const consumeK = freshConsumer();
  const cases: BenchCase[] = [
    { name: '16 worker loops over one shared iterator (floor)', run: floor },
    {
      name: 'adaptiveMap fixedLimit(16), unordered',
      run: () => consumeU(adaptiveMap(sleepy, { algorithm: fixedLimit(16) })(asyncItems(TIMER_N))),
    },
    {
      name: 'adaptiveMap fixedLimit(16), ordered',
      run: () =>
        consumeO(
          adaptiveMap(sleepy, { algorithm: fixedLimit(16), ordered: true })(asyncItems(TIMER_N)),
        ),
    },
    {
      name: 'adaptiveMap kneeLimit (max 16), unordered',
      run: () => consumeK(adaptiveMap(sleepy, { initial: 16, max: 16 })(asyncItems(TIMER_N))),
    },
  ];
  log('C: timer-bound');
  const results = await runSuite(cases, { reps: REPS, expected: expected(TIMER_N), log });
  const floorName = '16 worker loops over one shared iterator (floor)';
  recorder.suite(
    `C. timer-bound: concurrency 16, fn sleeps 1 ms, N = ${TIMER_N.toLocaleString('en')}, ${REPS} reps`,
    results,
    {
      items: TIMER_N,
      baseline: floorName,
      targets: {
        'adaptiveMap fixedLimit(16), unordered': 1.05,
        'adaptiveMap fixedLimit(16), ordered': 1.05,
      },
    },
  );
  const f = results.find((r) => r.name === floorName)!;
  console.log(
    `floor: ${f.medianMs.toFixed(0)} ms = ${(f.medianMs / (TIMER_N / 16)).toFixed(2)}x the ideal N/16 ms\n`,
  );
}
recorder.save();
