/**
 * V8 settings the `backpressure-kit` process runs with, so a long run stays in flat, low memory.
 * The command owns its process, so it may; the library never touches process-wide settings.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * The flags {@link useLeanMemory} sets. Both change only how V8 manages memory and code, never
 * what a program does:
 * - `--liftoff-only`: WebAssembly stays on V8's baseline compiler. undici parses HTTP with a
 *   WebAssembly build of llhttp, and optimising it costs a transient ~30 MB of resident memory
 *   at the first responses, for no measurable gain in a client bound by the service.
 * - `--optimize-for-size`: the garbage collector grows the heap less eagerly. A run allocates
 *   fast (a parsed task per line) but keeps little; without it the heap grows with the input
 *   before the first full collection.
 */
export const LEAN_MEMORY_FLAGS = ['--liftoff-only', '--optimize-for-size'] as const;

/**
 * Sets {@link LEAN_MEMORY_FLAGS} on this process. Call it first thing, before any WebAssembly
 * is compiled (undici compiles its parser on the first request). Idempotent.
 *
 * @example
 * ```ts
 * useLeanMemory();
 * await runSolveCommand(process.argv.slice(3));
 * ```
 */
export function useLeanMemory(): void {
  for (const flag of LEAN_MEMORY_FLAGS) setFlagsFromString(flag);
}
