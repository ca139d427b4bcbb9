import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { shed } from 'backpressure-kit';

interface Task {
  id: number;
  priority: number; // higher = more important
}

async function* scrape(): AsyncGenerator<Task> {
  for (let id = 0; id < 500; id++) {
    yield { id, priority: id % 10 === 0 ? 2 : 1 };
    if (id % 50 === 0) await sleep(1);
  }
}

const dropped = { full: 0, evicted: 0, discarded: 0 };
const keep = shed<Task>({
  capacity: 20,
  priority: (task) => task.priority,
  onDrop: (_task, reason) => {
    dropped[reason]++; // every drop is reported, once, with its reason
  },
});

let solved = 0;
for await (const _task of keep(scrape())) {
  await sleep(1); // the solver is slower than the scraper
  solved++;
}

const stats = keep.stats();
// Nothing vanished: every task was received, and either solved or dropped with a reason.
assert.equal(stats.received, 500);
assert.equal(stats.received, solved + stats.dropped);
assert.equal(dropped.full + dropped.evicted + dropped.discarded, stats.dropped);
console.log(solved, dropped); // how many were kept depends on timing
