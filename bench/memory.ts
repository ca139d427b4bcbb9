/**
 * Memory: an async producer 100 times faster than its consumer (the producer yields 100 items
 * per event-loop turn, the consumer takes one item per turn), N = 1,000,000 items. Each
 * variant runs in a fresh child process; retained heap is sampled after a forced gc (every
 * 50 ms, or less often when collecting gets expensive) and at each tenth of the items consumed.
 *
 *   node --expose-gc --import tsx bench/memory.ts [--n=1000000] [--quick]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { boundedBuffer, shed } from '../src/index.js';
import { machineLine, numberFlag } from './harness.js';
import { GroupRecorder, sized } from './results.js';

type Variant = 'unbounded array queue' | 'boundedBuffer(50)' | 'shed(50)';
const variants: Variant[] = ['unbounded array queue', 'boundedBuffer(50)', 'shed(50)'];

interface Outcome {
  variant: Variant;
  consumed: number;
  produced: number;
  elapsedMs: number;
  peakRetainedMb: number;
  retainedAtDecilesMb: number[];
  /** Retained heap growth over time: [ms since start, MB]. */
  heapOverTime: [number, number][];
}

/** Items the producer yields per event-loop turn; the consumer takes one per turn. */
const MISMATCH = 100;

async function* producer(n: number): AsyncGenerator<{ i: number; payload: number[] }> {
  for (let i = 0; i < n; i++) {
    yield { i, payload: [i, i + 1] };
    if ((i + 1) % MISMATCH === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function unbounded<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  const queue: T[] = [];
  let read = 0;
  let ended = false;
  let wake: (() => void) | undefined;
  void (async () => {
    for await (const x of source) {
      queue.push(x);
      wake?.();
    }
    ended = true;
    wake?.();
  })();
  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (read < queue.length) {
          const x = queue[read]!;
          queue[read++] = undefined as T; // release what was consumed
          yield x;
        } else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

async function child(variant: Variant, n: number): Promise<Outcome> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const retained = (): number => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  const base = retained();
  let peak = base;
  let produced = 0;
  const counting = async function* () {
    for await (const x of producer(n)) {
      produced++;
      yield x;
    }
  };
  const source =
    variant === 'unbounded array queue'
      ? unbounded(counting())
      : variant === 'boundedBuffer(50)'
        ? boundedBuffer<{ i: number; payload: number[] }>(50)(counting())
        : shed<{ i: number; payload: number[] }>(50)(counting());
  const deciles: number[] = [];
  // A full collection costs more as the heap grows; space the samples so that collecting
  // never takes more than a fifth of the run (a fixed 50 ms would starve the unbounded case).
  let sampler: ReturnType<typeof setTimeout> | undefined;
  const heapOverTime: [number, number][] = [[0, 0]];
  const sample = (): void => {
    const before = performance.now();
    const now = retained();
    peak = Math.max(peak, now);
    heapOverTime.push([before - started, (now - base) / 1e6]);
    const cost = performance.now() - before;
    sampler = setTimeout(sample, Math.max(50, 4 * cost));
  };
  const started = performance.now();
  sampler = setTimeout(sample, 50);
  let consumed = 0;
  for await (const _ of source) {
    consumed++;
    if (consumed % Math.max(1, Math.floor(n / 10)) === 0) deciles.push((retained() - base) / 1e6);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  clearTimeout(sampler);
  const end = retained();
  peak = Math.max(peak, end);
  heapOverTime.push([performance.now() - started, (end - base) / 1e6]);
  return {
    heapOverTime,
    variant,
    consumed,
    produced,
    elapsedMs: performance.now() - started,
    peakRetainedMb: (peak - base) / 1e6,
    retainedAtDecilesMb: deciles,
  };
}

const N = numberFlag('n', sized(1_000_000, 5_000));
if (process.argv[2] === '--child') {
  const outcome = await child(process.argv[3] as Variant, Number(process.argv[4]));
  process.send?.(outcome);
  process.disconnect?.();
} else {
  const recorder = new GroupRecorder('memory', {
    title: 'boundedBuffer and shed: memory under a 100:1 mismatch',
    about:
      `An async producer yields ${MISMATCH} items \`{ i, payload: [i, i + 1] }\` per event-loop turn; ` +
      'the consumer takes one item per turn. Each variant runs in a fresh child process; retained ' +
      'heap is measured after a forced gc, sampled every 50 ms (less often when a collection gets ' +
      'expensive) and at each tenth of the items consumed. The unbounded queue holds everything ' +
      'the producer is ahead by; `boundedBuffer` makes the producer wait; `shed` never makes it ' +
      'wait and drops what does not fit (every drop counted).',
    command: `node --expose-gc --import tsx bench/memory.ts --n=${N}`,
  });
  console.log(`memory, N = ${N.toLocaleString('en')}; ${machineLine()}`);
  const outcomes: Outcome[] = [];
  for (const variant of variants) {
    const outcome = await new Promise<Outcome>((resolve, reject) => {
      const proc = fork(fileURLToPath(import.meta.url), ['--child', variant, String(N)], {
        execArgv: ['--expose-gc', '--import', 'tsx'],
      });
      let result: Outcome | undefined;
      proc.on('message', (m: Outcome) => (result = m));
      proc.on('error', reject);
      proc.on('exit', (code) =>
        result ? resolve(result) : reject(new Error(`${variant} exited ${code}`)),
      );
    });
    outcomes.push(outcome);
    console.log(`  ${variant}: done`);
  }
  recorder.table({
    title: `Retained heap, N = ${N.toLocaleString('en')}`,
    columns: [
      'variant',
      'produced',
      'consumed',
      'time',
      'peak retained heap growth',
      'retained at each 10 % consumed (MB)',
    ],
    rows: outcomes.map((o) => [
      o.variant,
      o.produced.toLocaleString('en'),
      o.consumed.toLocaleString('en'),
      `${(o.elapsedMs / 1000).toFixed(1)} s`,
      `${o.peakRetainedMb.toFixed(1)} MB`,
      o.retainedAtDecilesMb.map((m) => m.toFixed(1)).join(', ') || '(too few consumed for deciles)',
    ]),
  });
  const bounded = outcomes.filter((o) => o.variant !== 'unbounded array queue');
  const worst = Math.max(...bounded.map((o) => o.peakRetainedMb));
  recorder.table({
    title: 'Target',
    columns: ['target', 'measured', 'verdict'],
    rows: [
      [
        'heap growth under 5 MB through boundedBuffer and shed',
        `worst ${worst.toFixed(1)} MB`,
        worst < 5 ? 'met' : 'MISSED',
      ],
    ],
  });
  recorder.series(
    'heapOverTime',
    outcomes.map((o) => ({ variant: o.variant, points: o.heapOverTime })),
  );
  recorder.save();
}
