/**
 * Overhead of the resilience stages, cases interleaved in one process, medians over reps.
 *
 * A. Pass-through (N = 1,000,000 small objects): breakerGate (closed) and rateLimit (a rate so
 *    high it never waits) against A1, a raw `for await` over a sync generator, in the same run.
 * B. Per call (M = 200,000 sequential awaited calls of a trivial async function):
 *    `breaker.wrap` against opossum 9 (defaults, and `timeout: false`) and cockatiel 3.
 *
 *   node --expose-gc --import tsx bench/resilience.ts [--n=1000000] [--m=200000] [--reps=7]
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
  ratioTable,
  rawSyncCase,
  runSuite,
  syncItems,
} from './harness.js';

const N = numberFlag('n', 1_000_000);
const M = numberFlag('m', 200_000);
const REPS = numberFlag('reps', 7);
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

async function main(): Promise<void> {
  const log = (line: string): void => console.error(line);
  console.log(`# resilience benchmarks\n\n${machineLine()}\n`);
  if (PART.includes('a')) await partA(log);
  if (PART.includes('b')) await partB(log);
  opossumDefault.shutdown();
  opossumNoTimeout.shutdown();
}

async function partA(log: (line: string) => void): Promise<void> {
  console.log(`## A. pass-through, N = ${N.toLocaleString('en')}, ${REPS} reps\n`);
  const a = await runSuite(passThrough, { reps: REPS, expected: itemsSum(N), log });
  console.log(
    ratioTable(a, {
      items: N,
      baseline: RAW_SYNC,
      targets: {
        'breakerGate (closed), sync source': 2,
        'rateLimit (never waits), sync source': 2,
      },
    }),
  );
}

async function partB(log: (line: string) => void): Promise<void> {
  console.log(`\n## B. per call, M = ${M.toLocaleString('en')} sequential calls, ${REPS} reps\n`);
  const b = await runSuite(perCall, { reps: REPS, expected: itemsSum(M), log });
  console.log(ratioTable(b, { items: M, baseline: 'raw await fn()' }));
  const ourMs = b.find((r) => r.name.startsWith('backpressure-kit'))!.medianMs;
  for (const r of b) {
    if (r.name.startsWith('opossum') || r.name.startsWith('cockatiel')) {
      console.log(`\nbreaker.wrap vs ${r.name}: ${(r.medianMs / ourMs).toFixed(2)}x faster`);
    }
  }
}

await main();
