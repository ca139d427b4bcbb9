/**
 * One run of the demo's seed scenario, in a process of its own so its memory can be measured
 * alone: a scraper producing tasks at a fixed rate into a simulated solver with a fixed number
 * of workers, with the pending work held in one of three ways. Reports samples to the parent
 * over IPC.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapStatistics } from 'node:v8';
import { DONE } from '../internal/done.js';
import { boundedBuffer } from '../stages/bounded-buffer.js';
import { type DropReason, shed } from '../stages/shed.js';

/** How pending tasks are held between the scraper and the solver. */
export type DemoVariant = 'unbounded' | 'boundedBuffer' | 'shed';

/** The scenario's numbers; the defaults are the seed scenario. */
export interface DemoScenario {
  tasks: number;
  producePerSecond: number;
  workers: number;
  solvesPerSecond: number;
  capacity: number;
  /** Size of each task's payload (a base64 CAPTCHA image), in bytes. */
  payloadBytes: number;
  sampleEveryMs: number;
}

export const seedScenario: DemoScenario = {
  tasks: 200,
  producePerSecond: 100,
  workers: 5,
  solvesPerSecond: 10,
  capacity: 50,
  payloadBytes: 48 * 1024,
  sampleEveryMs: 250,
};

interface Task {
  id: number;
  priority: number;
  image: string;
}

/** Messages a scenario process sends to the demo. */
export type DemoMessage =
  | { type: 'sample'; atMs: number; depth: number; producerWaitMs: number }
  | {
      type: 'result';
      variant: DemoVariant;
      done: number;
      dropped: Record<DropReason, number>;
      elapsedMs: number;
      peakDepth: number;
      peakRetainedBytes: number;
      producerWaitMs: number;
    };

async function* scraper(scenario: DemoScenario): AsyncGenerator<Task> {
  const gap = 1000 / scenario.producePerSecond;
  for (let id = 0; id < scenario.tasks; id++) {
    // Every fourth task is worth more (say, a paying customer's page).
    const priority = id % 4 === 0 ? 2 : 1;
    // base64 of random bytes: a realistic image task, and a string that lives on the V8 heap.
    const image = randomBytes(Math.floor((scenario.payloadBytes * 3) / 4)).toString('base64');
    yield { id, priority, image };
    await sleep(gap);
  }
}

async function solve(task: Task, scenario: DemoScenario): Promise<string> {
  const perWorkerMs = (1000 * scenario.workers) / scenario.solvesPerSecond;
  await sleep(perWorkerMs);
  return `token-${task.id}-${task.image.length}`;
}

/** Runs `workers` solver loops over one shared iterator of tasks. */
async function runWorkers(tasks: AsyncIterator<Task>, scenario: DemoScenario): Promise<number> {
  let done = 0;
  const worker = async (): Promise<void> => {
    for (let r = await tasks.next(); !r.done; r = await tasks.next()) {
      await solve(r.value, scenario);
      done++;
    }
  };
  await Promise.all(Array.from({ length: scenario.workers }, worker));
  return done;
}

/** An unbounded array queue, the way the seed scraper held its work: push and never wait. */
function unboundedQueue(
  source: AsyncIterable<Task>,
  depth: { value: number },
): AsyncIterator<Task> {
  const queue: Task[] = [];
  let ended = false;
  const wakeups: (() => void)[] = [];
  void (async () => {
    for await (const task of source) {
      queue.push(task);
      depth.value = queue.length;
      wakeups.shift()?.();
    }
    ended = true;
    for (const wake of wakeups.splice(0)) wake();
  })();
  return {
    async next(): Promise<IteratorResult<Task>> {
      for (;;) {
        const task = queue.shift();
        if (task) {
          depth.value = queue.length;
          return { done: false, value: task };
        }
        if (ended) return DONE;
        await new Promise<void>((resolve) => wakeups.push(resolve));
      }
    },
  };
}

/** Runs one variant of the scenario and returns its outcome, reporting depth as it goes. */
export async function runScenario(
  variant: DemoVariant,
  scenario: DemoScenario,
  report: (message: DemoMessage) => void,
): Promise<void> {
  const started = performance.now();
  let peakDepth = 0;
  const dropped: Record<DropReason, number> = { full: 0, evicted: 0, discarded: 0 };
  const depthOf: { value: number } = { value: 0 };
  let readDepth = (): number => depthOf.value;
  let readProducerWait = (): number => 0;
  let iterator: AsyncIterator<Task>;

  if (variant === 'unbounded') {
    iterator = unboundedQueue(scraper(scenario), depthOf);
  } else if (variant === 'boundedBuffer') {
    const buffer = boundedBuffer<Task>(scenario.capacity);
    iterator = buffer(scraper(scenario))[Symbol.asyncIterator]();
    readDepth = () => buffer.stats().buffered;
    readProducerWait = () => buffer.stats().producerWaitMs;
  } else {
    const stage = shed<Task>({
      capacity: scenario.capacity,
      priority: (task) => task.priority,
      onDrop: (_task, reason) => {
        dropped[reason]++;
      },
    });
    iterator = stage(scraper(scenario))[Symbol.asyncIterator]();
    readDepth = () => stage.stats().buffered;
  }

  // Retained heap after a full collection (the child runs with --expose-gc): what the pending
  // work really holds, without the garbage between collections.
  const gc = (globalThis as { gc?: () => void }).gc;
  const retainedHeap = (): number => {
    gc?.();
    return getHeapStatistics().used_heap_size;
  };
  const heapBase = retainedHeap();
  let peakHeap = heapBase;
  const sampleTimer = setInterval(() => {
    const depth = readDepth();
    peakDepth = Math.max(peakDepth, depth);
    peakHeap = Math.max(peakHeap, retainedHeap());
    report({
      type: 'sample',
      atMs: performance.now() - started,
      depth,
      producerWaitMs: readProducerWait(),
    });
  }, scenario.sampleEveryMs);
  try {
    const done = await runWorkers(iterator, scenario);
    peakDepth = Math.max(peakDepth, readDepth());
    report({
      type: 'result',
      variant,
      done,
      dropped,
      elapsedMs: performance.now() - started,
      peakDepth,
      peakRetainedBytes: peakHeap - heapBase,
      producerWaitMs: readProducerWait(),
    });
  } finally {
    clearInterval(sampleTimer);
  }
}

// Run as a child process of the demo: `demo-scenario <variant>`.
if (process.send && process.argv[2]) {
  const variant = process.argv[2] as DemoVariant;
  const scenario = process.argv[3] ? (JSON.parse(process.argv[3]) as DemoScenario) : seedScenario;
  runScenario(variant, scenario, (message) => process.send?.(message)).then(
    () => process.disconnect(),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
      process.disconnect();
    },
  );
}
