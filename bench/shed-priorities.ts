/**
 * The cost of `shed`'s store per operation against the priorities it sees: capacity
 * 50 … 100,000 × constant, increasing (timestamps, indexes) and random priorities, served in
 * arrival order (`fifo`) or by priority. The store is filled to capacity, then every step
 * offers one item to the full store (admitted by eviction or refused) and every second step
 * the consumer takes one, so the store stays full: the state in which a producer is
 * consistently faster than its consumer, where every operation of the store counts. Prints ns
 * per step (median of the reps) and the ratio to the constant-priority case of the same
 * capacity and order, measured in the same run (cases interleaved).
 *
 *   node --expose-gc --import tsx bench/shed-priorities.ts [--n=100000] [--reps=3] [--quick]
 */
import { PriorityShedQueue } from '../src/internal/shed-queue.js';
import { machineLine, median, numberFlag } from './harness.js';
import { GroupRecorder, sized } from './results.js';

const N = numberFlag('n', sized(100_000, 2_000));
const REPS = numberFlag('reps', sized(3, 1));
const CAPACITIES = sized([50, 1_000, 10_000, 100_000], [50, 1_000]);

/** Deterministic random priorities (mulberry32), the same every run. */
function randomPriorities(n: number): Float64Array {
  let a = 0x9e3779b9;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  return out;
}

const RANDOM = randomPriorities(N + CAPACITIES[CAPACITIES.length - 1]!);
const KINDS: Record<string, (i: number) => number> = {
  constant: () => 0,
  increasing: (i) => i,
  random: (i) => RANDOM[i]!,
};

/** One run: ns per step with the store full. */
function runOnce(capacity: number, kind: string, order: string): number {
  const priorityOf = KINDS[kind]!;
  const queue = new PriorityShedQueue<number>(capacity, order === 'priority');
  for (let i = 0; i < capacity; i++) queue.offer(i, priorityOf(i));
  let refused = 0;
  let taken = 0;
  const startedAt = process.hrtime.bigint();
  for (let step = 0; step < N; step++) {
    const i = capacity + step;
    if (!queue.offer(i, priorityOf(i)).admitted) refused++;
    if (step % 2 === 1) {
      queue.take();
      taken++;
    }
  }
  const ns = Number(process.hrtime.bigint() - startedAt);
  if (queue.size > capacity || taken + queue.size > capacity + N - refused) {
    throw new Error(`bound broken: size ${queue.size}`);
  }
  return ns / N;
}

const ORDERS = ['fifo', 'priority'];
const recorder = new GroupRecorder('shed-priorities', {
  title: "shed's store against the priorities it sees",
  about:
    "The cost of `shed`'s store per operation: capacity 50 … 100,000 × constant, increasing " +
    '(timestamps, indexes) and random priorities, served in arrival order (`fifo`) or by ' +
    'priority. The store is filled to capacity, then every step offers one item to the full ' +
    'store (admitted by eviction or refused) and every second step the consumer takes one, so ' +
    'the store stays full. Ratios are to constant priorities at the same capacity and order, ' +
    'measured in the same run (cases interleaved).',
  command: `node --expose-gc --import tsx bench/shed-priorities.ts --n=${N} --reps=${REPS}`,
});
console.log(
  `shed's store by priorities, ${N.toLocaleString('en-US')} steps per case, ${REPS} reps; ${machineLine()}`,
);
const samples = new Map<string, number[]>();
for (let rep = 0; rep < REPS; rep++) {
  for (const capacity of CAPACITIES) {
    for (const order of ORDERS) {
      for (const kind of Object.keys(KINDS)) {
        (globalThis as { gc?: () => void }).gc?.();
        const key = `${capacity}/${order}/${kind}`;
        const list = samples.get(key) ?? [];
        list.push(runOnce(capacity, kind, order));
        samples.set(key, list);
      }
    }
  }
  console.log(`  rep ${rep + 1}/${REPS} done`);
}
const rows: string[][] = [];
for (const capacity of CAPACITIES) {
  for (const order of ORDERS) {
    const base = median(samples.get(`${capacity}/${order}/constant`)!);
    for (const kind of Object.keys(KINDS)) {
      const ns = median(samples.get(`${capacity}/${order}/${kind}`)!);
      rows.push([
        capacity.toLocaleString('en-US'),
        order,
        kind,
        ns.toFixed(1),
        `${(ns / base).toFixed(2)}x`,
      ]);
    }
  }
}
recorder.table({
  title: `ns per step, ${N.toLocaleString('en-US')} steps per case, median of ${REPS} reps`,
  columns: [
    'capacity',
    'order',
    'priorities',
    'ns/step (median)',
    'x constant, same capacity and order',
  ],
  rows,
});
recorder.save();
