// Run as a child process by monitor.test.ts: a monitor without onError whose stage's stats()
// throws on the third tick must stop and end the process with an uncaught StatsError.
import { monitor } from '../../src/index.js';

let samples = 0;
let reads = 0;
const flaky = {
  stats: () => {
    if (++reads === 3) throw new Error('broken');
    return { reads };
  },
};
process.on('exit', () => console.log(`samples before the failure: ${samples}`));
monitor({ flaky }, { intervalMs: 5, onSample: () => samples++ });
// Keeps the process alive long enough; the uncaught error ends it first.
setTimeout(() => console.log('still running: the error was swallowed'), 5_000);
