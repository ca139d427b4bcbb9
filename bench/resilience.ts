/**
 * Overhead of the resilience stages, cases interleaved in one process, medians over reps.
 *
 * A. Pass-through (N = 1,000,000 small objects): breakerGate (closed) and rateLimit (a rate so
 *    high it never waits) against A1, a raw `for await` over a sync generator, in the same run.
 * B. Per call (M = 200,000 sequential awaited calls of a trivial async function):
 *    `breaker.wrap` against opossum 9 (defaults, and `timeout: false`) and cockatiel 3.
 *
 *   node --expose-gc --import tsx bench/resilience.ts [--n=1000000] [--m=200000] [--reps=7] [--quick]
 */
import { ConsecutiveBreaker, circuitBreaker as cockatielBreaker, handleAll } from 'cockatiel';
import CircuitBreaker from 'opossum';
import { breakerGate, circuitBreaker, rateLimit } from '../src/index.js';
import {
  asyncGenPassThrough,
  asyncItems,
  type BenchCase,
  freshConsumer,
  itemsSum,
  machineLine,
  numberFlag,
  RAW_SYNC,
  rawSyncCase,
  runSuite,
  syncItems,
} from './harness.js';
import { GroupRecorder, sized } from './results.js';

const N = numberFlag('n', sized(1_000_000, 2_000));
const M = numberFlag('m', sized(200_000, 1_000));
const REPS = numberFlag('reps', sized(7, 2));
/** `--part=a` or `--part=b` runs one half only. */
const PART = process.argv.find((a) => a.startsWith('--part='))?.slice(7) ?? 'ab';

const never = { rate: 1e9, interval: 1, burst: 1_000 };

const passThrough: BenchCase[] = [
  rawSyncCase(N),
  {
    name: 'breakerGate (closed), sync source',
    run: () => freshConsumer()(breakerGate<{ i: number }>(circuitBreaker())(syncItems(N))),
  },
  {
    name: 'rateLimit (never waits), sync source',
    run: () => freshConsumer()(rateLimit<{ i: number }>(never)(syncItems(N))),
  },
  { name: 'ref: raw for await (async generator)', run: () => freshConsumer()(asyncItems(N)) },
  {
    name: 'ref: async-generator pass-through, async source',
    run: () => freshConsumer()(asyncGenPassThrough(asyncItems(N))),
  },
  {
    name: 'breakerGate (closed), async source',
    run: () => freshConsumer()(breakerGate<{ i: number }>(circuitBreaker())(asyncItems(N))),
  },
  {
    name: 'rateLimit (never waits), async source',
    run: () => freshConsumer()(rateLimit<{ i: number }>(never)(asyncItems(N))),
  },
];

const trivial = async (i: number): Promise<number> => i;

const ours = circuitBreaker().wrap(trivial);
const opossumDefault = new CircuitBreaker(trivial);
const opossumNoTimeout = new CircuitBreaker(trivial, { timeout: false });
const cockatiel = cockatielBreaker(handleAll, {
  halfOpenAfter: 30_000,
  breaker: new ConsecutiveBreaker(5),
});

function callLoop(call: (i: number) => Promise<number>): () => Promise<number> {
  return async () => {
    let sum = 0;
    for (let i = 0; i < M; i++) sum += await call(i);
    return sum;
  };
}

const perCall: BenchCase[] = [
  { name: 'raw await fn()', run: callLoop(trivial) },
  { name: 'backpressure-kit breaker.wrap(fn)', run: callLoop(ours) },
  {
    name: 'opossum 9 fire() (defaults: 10 s timeout timer per call)',
    run: callLoop((i) => opossumDefault.fire(i) as Promise<number>),
  },
  {
    name: 'opossum 9 fire() (timeout: false)',
    run: callLoop((i) => opossumNoTimeout.fire(i) as Promise<number>),
  },
  {
    name: 'cockatiel 3 execute()',
    run: callLoop((i) => cockatiel.execute(() => trivial(i))),
  },
];

const recorder = new GroupRecorder('resilience', {
  title: 'breakerGate, rateLimit and circuitBreaker: overhead',
  about:
    'A: pass-through of N small objects through `breakerGate` (closed) and `rateLimit` (a rate so ' +
    'high it never waits), ratios to A1, a raw `for await` over a sync generator. B: M sequential ' +
    'awaited calls of a trivial async function through `breaker.wrap`, opossum (defaults, and ' +
    '`timeout: false`) and cockatiel (`ConsecutiveBreaker`), ratios to the bare call. Cases run ' +
    'interleaved in one process.',
  command: `node --expose-gc --import tsx bench/resilience.ts --n=${N} --m=${M} --reps=${REPS}`,
});

async function main(): Promise<void> {
  const log = (line: string): void => console.error(line);
  console.log(`# resilience benchmarks\n\n${machineLine()}\n`);
  if (PART.includes('a')) await partA(log);
  if (PART.includes('b')) await partB(log);
  opossumDefault.shutdown();
  opossumNoTimeout.shutdown();
  recorder.save();
}

async function partA(log: (line: string) => void): Promise<void> {
  const a = await runSuite(passThrough, { reps: REPS, expected: itemsSum(N), log });
  recorder.suite(`A. pass-through, N = ${N.toLocaleString('en')}, ${REPS} reps`, a, {
    items: N,
    baseline: RAW_SYNC,
    targets: {
      'breakerGate (closed), sync source': 2,
      'rateLimit (never waits), sync source': 2,
    },
  });
}

async function partB(log: (line: string) => void): Promise<void> {
  const b = await runSuite(perCall, { reps: REPS, expected: itemsSum(M), log });
  recorder.suite(`B. per call, M = ${M.toLocaleString('en')} sequential calls, ${REPS} reps`, b, {
    items: M,
    baseline: 'raw await fn()',
  });
  // How many times faster breaker.wrap is than each peer, per repetition (min–max over reps).
  const ours = b.find((r) => r.name.startsWith('backpressure-kit'))!.runsMs;
  const rows = b
    .filter((r) => r.name.startsWith('opossum') || r.name.startsWith('cockatiel'))
    .map((r) => {
      const ratios = r.runsMs.map((ms, k) => ms / ours[k]!).sort((x, y) => x - y);
      return [
        r.name,
        `${ratios[(ratios.length - 1) >> 1]!.toFixed(2)}x`,
        `${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}x`,
      ];
    });
  recorder.table({
    title: 'B. breaker.wrap: how many times faster than each peer, same run',
    columns: ['peer', 'x faster (median rep)', 'min–max over reps'],
    rows,
  });
}

await main();
