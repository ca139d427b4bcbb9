/**
 * Resolves on a later turn of the event loop (a macrotask), so pending timers and I/O get to
 * run. Uses `setImmediate` where the runtime has it (Node, Bun): `setTimeout(0)` would cost a
 * whole millisecond in Node.
 */
export function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown })
    .setImmediate;
  return new Promise<void>((resolve) => {
    if (immediate) immediate(resolve);
    else setTimeout(resolve, 0);
  });
}
