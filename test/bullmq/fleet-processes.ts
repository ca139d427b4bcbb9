/**
 * Per-test cleanup for fleet tests that run CLI processes: after each test, every process still
 * running is killed (SIGKILL) and awaited, then every cleanup runs, last first.
 */
import { afterEach } from 'vitest';
import type { CliRun } from '../cli/cli-process.js';

export function fleetProcesses(): { running: CliRun[]; cleanups: (() => unknown)[] } {
  const running: CliRun[] = [];
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const run of running.splice(0)) {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      await run.exit;
    }
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return { running, cleanups };
}
