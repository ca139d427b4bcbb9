#!/usr/bin/env node
/**
 * The `backpressure-kit` command.
 *
 *   backpressure-kit solve    a JSON Lines file of tasks through the pipeline (what `npm start` runs)
 *   backpressure-kit demo     the seed scenario, live: unbounded queue vs boundedBuffer vs shed
 *   backpressure-kit mock     a local CaptchaAI / 2captcha-compatible solver service
 */
// Each command is loaded when it runs, so `solve` never loads the fleet's bullmq and ioredis
// (tens of MB of resident memory it has no use for).
import { EXIT } from './exit-codes.js';
import { useLeanMemory } from './lean-memory.js';

const usage = `Usage: backpressure-kit <command> [options]

Commands:
  solve     solve a JSON Lines file of tasks, live, resumable (solve --help)
  demo      run the seed scenario live: unbounded queue vs boundedBuffer vs shed
  mock      run a local CaptchaAI / 2captcha-compatible solver (mock --help)
  enqueue   add a JSON Lines file of tasks to a fleet's queue on Redis (enqueue --help)
  work      solve jobs from a fleet's queue (work --help)
  collect   append a fleet's finished jobs to a results file (collect --help)
  help      show this text

Exit codes: 0 done, 1 the run failed, 2 usage error, 130 stopped by Ctrl-C.`;

const DEMO_USAGE = `Usage: backpressure-kit demo

Runs the seed scenario live: a scraper producing 200 tasks at 100/s into a simulated solver
(5 workers, 10 solves/s), held three ways side by side: an unbounded array, boundedBuffer(50)
and shed(50). No options.`;

/** Option errors (an unknown flag, a bad value) are usage errors: exit code 2. */
function isUsageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_BPK_INVALID_OPTION_TYPE' || code === 'ERR_BPK_INVALID_OPTION_VALUE';
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'solve':
      return (await import('./solve-command.js')).runSolveCommand(rest);
    case 'demo':
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(DEMO_USAGE);
        return EXIT.finished;
      }
      if (rest.length > 0) {
        console.error(`demo takes no options\n\n${DEMO_USAGE}`);
        return EXIT.usage;
      }
      await (await import('./demo.js')).runDemo();
      return EXIT.finished;
    case 'mock':
      await (await import('./mock-command.js')).runMockCommand(rest);
      return EXIT.finished;
    case 'enqueue':
      return (await import('./enqueue-command.js')).runEnqueueCommand(rest);
    case 'work':
      return (await import('./work-command.js')).runWorkCommand(rest);
    case 'collect':
      return (await import('./collect-command.js')).runCollectCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return command === undefined ? EXIT.usage : EXIT.finished;
    default:
      console.error(`Unknown command: ${command}\n\n${usage}`);
      return EXIT.usage;
  }
}

const [command] = process.argv.slice(2);
useLeanMemory();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (isUsageError(error)) {
      const help = ['solve', 'mock', 'enqueue', 'work', 'collect'].includes(command ?? '')
        ? `${command} --help`
        : 'help';
      console.error(
        `${(error as Error).message}\nRun \`backpressure-kit ${help}\` for the options.`,
      );
      process.exitCode = EXIT.usage;
      return;
    }
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = EXIT.failed;
  },
);
