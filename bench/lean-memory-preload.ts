/**
 * Preloaded (`node --import`) by bench/cli.ts: the V8 settings the `solve` command applies to
 * itself (src/cli/lean-memory.ts), applied before the script's code loads. All of them
 * (`useLeanMemory`), or with `BPK_BENCH_LEAN_PART` one alone, to measure what each costs and
 * saves: `liftoff` (`--liftoff-only`), `heap` (`--heap-growing-percent=10`) or `young` (the
 * young generation held at `YOUNG_GENERATION_MIB`, collected only when full); `no-liftoff`,
 * `no-heap` or `no-young` applies the other two; `with-minor-gc-task` applies them all but
 * turns V8's minor GC task back on, to measure what turning it off saves.
 * With a part, run the command with `BPK_LEAN_MEMORY=off` so it does not apply the others
 * itself.
 */
import { setFlagsFromString } from 'node:v8';
import {
  capYoungGeneration,
  LEAN_MEMORY_FLAGS,
  useLeanMemory,
  YOUNG_GENERATION_MIB,
} from '../src/cli/lean-memory.js';

const part = process.env.BPK_BENCH_LEAN_PART;
const [liftoff, heap] = LEAN_MEMORY_FLAGS;
const settings = {
  liftoff: () => setFlagsFromString(liftoff),
  heap: () => setFlagsFromString(heap),
  young: () => capYoungGeneration(YOUNG_GENERATION_MIB * 2 ** 20),
};
type Setting = keyof typeof settings;
const isSetting = (name: string): name is Setting => Object.hasOwn(settings, name);
if (part === undefined || part === '') useLeanMemory();
else if (part === 'with-minor-gc-task') {
  useLeanMemory();
  setFlagsFromString('--minor-gc-task');
} else if (isSetting(part)) settings[part]();
else if (part.startsWith('no-') && isSetting(part.slice(3))) {
  // All the settings but one.
  for (const [name, apply] of Object.entries(settings)) if (name !== part.slice(3)) apply();
} else {
  throw new Error(
    `BPK_BENCH_LEAN_PART: liftoff, heap or young, one of them after no-, or with-minor-gc-task, not ${part}`,
  );
}
