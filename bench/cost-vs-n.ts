/**
 * Cost per item against the number of items: each stage passes N = 10^4 … 10^7 small objects
 * from an async generator to a `for await` consumer. A stage whose cost per item does not
 * depend on N draws a flat line; anything that grows with the items seen (a leak, a list
 * scanned per item) shows as a rising one. The cases of one N run interleaved (`runSuite`),
 * with a raw `for await` over the same async generator as the reference.
 *
 *   node --expose-gc --import tsx bench/cost-vs-n.ts [--reps=3] [--max-exp=7] [--quick]
 */
import {
  adaptiveMap,
  boundedBuffer,
  breakerGate,
  circuitBreaker,
  fixedLimit,
  rateLimit,
  shed,
} from '../src/index.js';
import {
  asyncItems,
  type BenchCase,
  freshConsumer,
  itemsSum,
  numberFlag,
  runSuite,
} from './harness.js';
import { GroupRecorder, sized } from './results.js';

type Item = { i: number };
type StageFactory = () => (source: AsyncIterable<Item>) => AsyncIterable<Item>;

const REPS = numberFlag('reps', sized(3, 1));
/** The largest N is 10^max-exp; 10^7 alone takes about a minute per stage on a loaded machine. */
const MAX_EXP = numberFlag('max-exp', sized(7, 3));
const MIN_EXP = sized(4, 2);
/** Fewer repetitions at the largest N, where one run is long enough to average out noise. */
const repsFor = (exp: number): number => (exp >= 7 ? Math.min(REPS, 2) : REPS);

const stages: [string, StageFactory][] = [
  ['boundedBuffer(50)', () => boundedBuffer<Item>(50)],
  ['shed(50)', () => shed<Item>(50)],
  [
    'adaptiveMap(async x => x, fixedLimit(8))',
    () => adaptiveMap(async (x: Item) => x, { algorithm: fixedLimit(8) }),
  ],
  ['breakerGate (closed)', () => breakerGate<Item>(circuitBreaker())],
  ['rateLimit (never waits)', () => rateLimit<Item>({ rate: 1e9, interval: 1, burst: 1_000 })],
];
const RAW = 'raw for await (async generator)';

const recorder = new GroupRecorder('cost-vs-n', {
  title: 'Cost per item against N',
  about:
    `Each stage passes N = 10^${MIN_EXP} … 10^${MAX_EXP} small objects from an async generator to a ` +
    '`for await` consumer; the cases of one N run interleaved, beside a raw `for await` over the ' +
    'same generator. A cost per item that does not depend on N draws a flat line; anything that ' +
    'grows with the items seen shows as a rising one. Small N carries the warm-up of the JIT and ' +
    'more timer noise.',
  command: `node --expose-gc --import tsx bench/cost-vs-n.ts --reps=${REPS} --max-exp=${MAX_EXP}`,
});

const points: { stage: string; n: number; nsPerItem: number }[] = [];
for (let exp = MIN_EXP; exp <= MAX_EXP; exp++) {
  const n = 10 ** exp;
  const cases: BenchCase[] = [
    { name: RAW, run: () => freshConsumer()(asyncItems(n)) },
    ...stages.map(([name, make]): BenchCase => {
      const consume = freshConsumer();
      return { name, run: () => consume(make()(asyncItems(n))) };
    }),
  ];
  console.log(`N = 10^${exp}`);
  const results = await runSuite(cases, {
    reps: repsFor(exp),
    expected: itemsSum(n),
    log: console.log,
  });
  for (const r of results) points.push({ stage: r.name, n, nsPerItem: (r.medianMs * 1e6) / n });
}

const names = [RAW, ...stages.map(([name]) => name)];
const ns = [...new Set(points.map((p) => p.n))];
recorder.table({
  title: 'ns per item (median of the repetitions) by N',
  columns: [
    'stage',
    ...ns.map((n) => `N = ${n.toLocaleString('en')}`),
    `x from N = ${ns[1]!.toLocaleString('en')} to the largest`,
  ],
  rows: names.map((name) => {
    const at = (n: number) => points.find((p) => p.stage === name && p.n === n)!.nsPerItem;
    return [
      name,
      ...ns.map((n) => at(n).toFixed(1)),
      `${(at(ns.at(-1)!) / at(ns[1]!)).toFixed(2)}x`,
    ];
  }),
});
recorder.series('costVsN', points);
recorder.save();
