/**
 * Pass-through overhead of boundedBuffer and shed against the alternatives a user would pick,
 * N = 1,000,000 small objects, cases interleaved in one process. Ratios are to A1: a raw
 * `for await` over a sync generator, measured in the same run.
 *
 *   node --expose-gc --import tsx bench/pass-through.ts [--n=1000000] [--reps=7] [--quick]
 */
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pushable } from 'it-pushable';
import { buffer as siBuffer } from 'streaming-iterables';
import { boundedBuffer, shed } from '../src/index.js';
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
const REPS = numberFlag('reps', sized(7, 2));
const expected = itemsSum(N);

/** it-pushable used as a bounded buffer: the producer awaits `onEmpty()` when 50 are queued. */
function itPushableBuffer(
  source: AsyncIterable<{ i: number }>,
  size: number,
): AsyncIterable<{ i: number }> {
  const queue = pushable<{ i: number }>({ objectMode: true });
  void (async () => {
    for await (const x of source) {
      queue.push(x);
      if (queue.readableLength >= size) await queue.onEmpty();
    }
    queue.end();
  })();
  return queue;
}

let shedDrops = 0;

const cases: BenchCase[] = [
  rawSyncCase(N),
  { name: 'raw for await (async generator)', run: () => freshConsumer()(asyncItems(N)) },
  {
    name: 'async-generator pass-through',
    run: () => freshConsumer()(asyncGenPassThrough(asyncItems(N))),
  },
  {
    name: 'Node pipeline(Readable.from, PassThrough hwm 50, Writable)',
    run: async () => {
      let sum = 0;
      await pipeline(
        Readable.from(asyncItems(N)),
        new PassThrough({ objectMode: true, highWaterMark: 50 }),
        new Writable({
          objectMode: true,
          write(x: { i: number }, _encoding, callback) {
            sum += x.i;
            callback();
          },
        }),
      );
      return sum;
    },
  },
  {
    name: 'streaming-iterables buffer(50)',
    run: () => freshConsumer()(siBuffer(50, asyncItems(N)) as AsyncIterable<{ i: number }>),
  },
  {
    name: 'it-pushable as a buffer of 50',
    run: () => freshConsumer()(itPushableBuffer(asyncItems(N), 50)),
  },
  {
    name: 'boundedBuffer(50), async source',
    run: () => freshConsumer()(boundedBuffer<{ i: number }>(50)(asyncItems(N))),
  },
  {
    name: 'boundedBuffer(50), sync source',
    run: () => freshConsumer()(boundedBuffer<{ i: number }>(50)(syncItems(N))),
  },
  {
    name: 'shed(50), async source',
    run: async () => {
      const stage = shed<{ i: number }>(50);
      const sum = await freshConsumer()(stage(asyncItems(N)));
      shedDrops += stage.stats().dropped;
      return sum;
    },
  },
];

const recorder = new GroupRecorder('pass-through', {
  title: 'boundedBuffer and shed: pass-through overhead',
  about:
    'Each case moves N small objects `{ i }` from a source to a `for await` consumer. Ratios are ' +
    'to A1, a raw `for await` over a sync generator, measured in the same run; cases run ' +
    'interleaved (the first case rotates each repetition), each with a freshly compiled consumer ' +
    'loop, and every run checks its checksum (a lost, duplicated or dropped item fails the run).',
  command: `node --expose-gc --import tsx bench/pass-through.ts --n=${N} --reps=${REPS}`,
});
console.log(`pass-through, N = ${N.toLocaleString('en')}, ${REPS} reps; ${machineLine()}`);
const results = await runSuite(cases, { reps: REPS, expected, log: console.log });
recorder.suite(`Pass-through, N = ${N.toLocaleString('en')}, ${REPS} reps`, results, {
  items: N,
  baseline: RAW_SYNC,
  targets: {
    'boundedBuffer(50), async source': 1.8,
    'boundedBuffer(50), sync source': 1.0,
    'shed(50), async source': 2.0,
  },
});
console.log(
  `shed(50) dropped ${shedDrops} items over all runs (the checksum would fail on any drop).`,
);
recorder.save();
