import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { boundedBuffer } from 'backpressure-kit';

// A scraper that finds work far faster than it can be solved.
async function* scrape() {
  for (let id = 0; id < 100; id++) yield { id, sitekey: `site-${id % 7}` };
}

const buffer = boundedBuffer<{ id: number; sitekey: string }>(10);
let solved = 0;

await pipeline(scrape(), buffer, async (tasks: AsyncIterable<{ id: number }>) => {
  for await (const task of tasks) {
    await sleep(1); // the slow part: solving
    solved += task.id >= 0 ? 1 : 0;
  }
});

// The scraper waited instead of piling up work: never more than 10 tasks held.
assert.equal(solved, 100);
assert.equal(buffer.stats().peakBuffered, 10);
