import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { adaptiveMap, boundedBuffer, monitor } from 'backpressure-kit';

// A scraper that finds tasks far faster than a solver with 4 threads can finish them.
async function* scrape() {
  for (let id = 0; id < 200; id++) yield id;
}
const buffer = boundedBuffer<number>(20);
const solveAll = adaptiveMap(
  async (task: number) => {
    await sleep(2);
    return `token-${task}`;
  },
  { min: 4, max: 4 },
);

// One line: log queue depth, in-flight calls and progress every 25 ms.
const lines: string[] = [];
const stop = monitor(
  { buffer, solveAll },
  {
    intervalMs: 25,
    onSample: ({ buffer: b, solveAll: s }) =>
      lines.push(
        `queue ${b.buffered}/${b.highWaterMark}  in flight ${s.inFlight}/${s.limit}  done ${s.succeeded}  producer waited ${Math.round(b.producerWaitMs)} ms`,
      ),
  },
);

for await (const _token of solveAll(buffer(scrape()))) {
  // hand the token on
}
stop(); // no timer is left behind

console.log(lines.slice(0, 3).join('\n'));
// for example: queue 20/20  in flight 4/4  done 27  producer waited 34 ms
// (the queue is full, so the producer waits instead of piling up tasks)
assert.ok(lines.length > 0);
assert.match(lines[0]!, /^queue \d+\/20 {2}in flight \d\/4 {2}done \d+ {2}producer waited \d+ ms$/);
assert.equal(buffer.stats().peakBuffered, 20);
assert.equal(solveAll.stats().succeeded, 200); // no task lost
