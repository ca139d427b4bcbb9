import assert from 'node:assert/strict';
import { rateLimit, rateLimiter } from 'backpressure-kit';
import { driveClock, VirtualClock } from 'backpressure-kit/testing';

// The provider bans more than 10 submits in any 50 ms (scaled down from seconds). Stay within
// it: rate + burst <= 10. The VirtualClock makes this run at once with exact times; in
// production leave `clock` out (the real clock).
const clock = new VirtualClock();
// One limiter, shared: the stage limits a stream, `limiter.wrap` limits plain function calls.
const limiter = rateLimiter({ rate: 5, interval: 50, burst: 5, clock });
const submitLimit = rateLimit<number>(limiter);
const submit = limiter.wrap(async (task: number) => `submitted-${task}`); // the same bucket

const times: number[] = [];
let submitted = '';
const run = async () => {
  for await (const task of submitLimit(Array.from({ length: 12 }, (_, i) => i))) {
    times.push(clock.now());
    if (task === 11) submitted = await submit(task); // function calls wait in the same queue
  }
};
await driveClock(clock, run());

// The first 5 pass at once (the burst), then one every 10 ms; nothing is dropped.
assert.deepEqual(times, [0, 0, 0, 0, 0, 10, 20, 30, 40, 50, 60, 70]);
// The wrapped call took the next token, 10 ms after the last item.
assert.equal(submitted, 'submitted-11');
assert.equal(clock.now(), 80);
