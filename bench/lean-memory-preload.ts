/**
 * Preloaded (`node --import`) by bench/cli.ts into the library script's "lean" case: the same V8
 * settings the `solve` command applies to itself, applied before the script's code loads.
 */
import { useLeanMemory } from '../src/cli/lean-memory.js';

useLeanMemory();
