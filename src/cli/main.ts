#!/usr/bin/env node
/**
 * The `backpressure-kit` command.
 *
 *   backpressure-kit demo     the seed scenario, live (what `npm start` runs)
 *   backpressure-kit mock     a local CaptchaAI / 2captcha-compatible solver service
 */
import { runDemo } from './demo.js';
import { runMockCommand } from './mock-command.js';

const usage = `Usage: backpressure-kit <command>

Commands:
  demo      run the seed scenario live: unbounded queue vs boundedBuffer vs shed
  mock      run a local CaptchaAI / 2captcha-compatible solver (mock --help for options)
  help      show this text`;

async function main(argv: string[]): Promise<void> {
  const [command = 'demo', ...rest] = argv;
  switch (command) {
    case 'demo':
      await runDemo();
      return;
    case 'mock':
      await runMockCommand(rest);
      return;
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return;
    default:
      console.error(`Unknown command: ${command}\n\n${usage}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
