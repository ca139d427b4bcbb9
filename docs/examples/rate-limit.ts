import { rateLimit, rateLimiter } from 'backpressure-kit';

// The provider bans more than 10 submits in any 50 ms (scaled down from seconds so the example
// runs in a moment). Stay within it: rate + burst <= 10.
// One limiter, shared: the stage limits a stream, `limiter.wrap` limits plain function calls.
const limiter = rateLimiter({ rate: 5, interval: 50, burst: 5 });
const submitLimit = rateLimit<number>(limiter);
const submit = limiter.wrap(async (task: number) => `submitted-${task}`); // the same bucket

const start = performance.now();
const times: number[] = [];
for await (const task of submitLimit(Array.from({ length: 12 }, (_, i) => i))) {
  times.push(Math.round(performance.now() - start));
  if (task === 11) console.log(await submit(task)); // function calls wait in the same queue
}

// The first 5 pass at once (the burst), then one every 10 ms; nothing is dropped.
console.log(times); // e.g. [0, 0, 0, 0, 0, 10, 20, 30, 40, 50, 60, 70]
if (times.length !== 12 || times[11]! < 60) throw new Error('the limit was not applied');
