/**
 * Reads an async (or sync) iterable to its end into an array: `Array.fromAsync` for Node 20,
 * which lacks it. Rejects as the iterable does (after it closed itself).
 *
 * @example
 * ```ts
 * const tokens = await driveClock(clock, collect(solve(source)));
 * ```
 */
export async function collect<T>(iterable: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
