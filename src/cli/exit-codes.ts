/**
 * The exit codes of every `backpressure-kit` command, in a file of their own so the command
 * dispatcher can name them without loading any command.
 */

/** Exit codes of `backpressure-kit` (documented in docs/cli.md). */
export const EXIT = {
  /** Every task has a record (failed ones included). */
  finished: 0,
  /** The run failed: wrong key, no funds, unreadable input, `--strict` and a bad line. */
  failed: 1,
  /** A usage error: an unknown flag, a bad value, no `--out`. */
  usage: 2,
  /** Stopped by Ctrl-C (SIGINT); rerun with the same `--out` to finish. */
  interrupted: 130,
} as const;
