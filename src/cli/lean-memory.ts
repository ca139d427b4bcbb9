/**
 * V8 settings the `backpressure-kit` process runs with, so a long run stays in flat, low memory
 * at full speed. The command owns its process, so it may; the library never touches
 * process-wide settings.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * The flags {@link useLeanMemory} sets. Each changes only how V8 manages memory and code, never
 * what a program does:
 * - `--liftoff-only`: WebAssembly stays on V8's baseline compiler. undici parses HTTP with a
 *   WebAssembly build of llhttp, and optimising it raises the peak resident memory; the
 *   baseline code parses answers somewhat slower, which a client bound by the service does not
 *   feel.
 * - `--heap-growing-percent=10`: after each full collection, the old generation may grow 10%
 *   past what survived (and at least V8's minimum step) before the next one, instead of up to
 *   four times. A run allocates fast (a parsed task per line) but keeps little, so full
 *   collections stay cheap; without it the heap grows with the input between them.
 */
export const LEAN_MEMORY_FLAGS = ['--liftoff-only', '--heap-growing-percent=10'] as const;

/**
 * The young generation's largest size (both semi-spaces), in MiB. V8 doubles it from 2 up to
 * 32 MiB while many objects survive scavenges, as in-flight requests do, and a million-line
 * `--shed` run then passes 100 MB of resident memory. At 10 MiB that run peaks at 95-97 MB
 * (12 MiB reaches 98-100 MB: no room left). A smaller one costs time, because each scavenge
 * copies what every task in flight holds and a smaller space is scavenged more often (at 8 MiB,
 * a quarter more scavenges). Node takes the limit only at startup (`--max-semi-space-size`),
 * so {@link useLeanMemory} stops the growth at run time instead.
 */
export const YOUNG_GENERATION_MIB = 10;

/**
 * Sets {@link LEAN_MEMORY_FLAGS} on this process and holds the young generation at
 * {@link YOUNG_GENERATION_MIB}. Call it first thing, before any WebAssembly is compiled (undici
 * compiles its parser on the first request). Call it once. Does nothing when the environment
 * variable `BPK_LEAN_MEMORY` is `off` (to compare, or to rule the settings out).
 *
 * @example
 * ```ts
 * useLeanMemory();
 * await runSolveCommand(process.argv.slice(3));
 * ```
 */
export function useLeanMemory(): void {
  if (process.env.BPK_LEAN_MEMORY === 'off') return;
  for (const flag of LEAN_MEMORY_FLAGS) setFlagsFromString(flag);
  capYoungGeneration(YOUNG_GENERATION_MIB * 2 ** 20);
}

/**
 * Holds the young generation at `capBytes` and has V8 collect it only when it is full (the
 * part of {@link useLeanMemory} that is about the young generation; exported so the benchmark
 * can measure each setting alone). V8 reads `--semi-space-growth-factor` each time it grows the
 * young generation, and multiplies the size of a semi-space by it (up to its own maximum). After
 * every collection this sets the factor that takes a semi-space from its present size to half
 * of `capBytes` in one growth, or 1 (no growth) once it is there; so any cap is reached exactly,
 * not only powers of two. The check runs a turn or two after the collection: a program that
 * allocates more than the young generation within one turn could grow it twice with the same
 * factor before the check, and pass the cap.
 *
 * It also sets `--no-minor-gc-task`. By default V8 posts a task that collects the young
 * generation once it is 80% full, and Node runs that task between two turns of the event
 * loop, before the space is full: more collections, each copying every object still alive, for
 * no memory saved (the space keeps its size). Without it a collection starts when an
 * allocation finds the space full. Call it once.
 *
 * @example
 * ```ts
 * capYoungGeneration(YOUNG_GENERATION_MIB * 2 ** 20);
 * ```
 */
export function capYoungGeneration(capBytes: number): void {
  const semiSpaceCap = capBytes / 2;
  let factor: number | undefined;
  const check = (): void => {
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    // One semi-space's room for objects: a little under its size (page headers).
    const semiSpace = young === undefined ? 0 : young.space_used_size + young.space_available_size;
    const next = semiSpace > 0 ? Math.max(1, Math.floor(semiSpaceCap / semiSpace)) : 1;
    if (next === factor) return;
    factor = next;
    setFlagsFromString(`--semi-space-growth-factor=${factor}`);
  };
  setFlagsFromString('--no-minor-gc-task');
  check();
  new PerformanceObserver(check).observe({ entryTypes: ['gc'] });
}
