#!/usr/bin/env node
/**
 * The `backpressure-kit` command.
 *
 *   backpressure-kit demo     the seed scenario, live (what `npm start` runs)
 */
import { runDemo } from './demo.js';

const usage = `Usage: backpressure-kit <command>

Commands:
  demo      run the seed scenario live: unbounded queue vs boundedBuffer vs shed
  help      show this text`;

async function main(argv: string[]): Promise<void> {
  const [command = 'demo', ...rest] = argv;
  switch (command) {
    case 'demo':
      await runDemo();
      return;
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return;
    default:
      console.error(`Unknown command: ${command}\n\n${usage}`);
      process.exitCode = 2;
      void rest;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
