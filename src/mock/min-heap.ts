/**
 * A binary min-heap ordered by a numeric priority. The mock uses it to find, without timers,
 * which tasks have freed their thread or expired by "now".
 */
export class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly priorities: number[] = [];

  /** Number of entries. */
  get size(): number {
    return this.items.length;
  }

  /** Adds `item` with `priority`. */
  push(item: T, priority: number): void {
    const items = this.items;
    const priorities = this.priorities;
    let i = items.length;
    items.push(item);
    priorities.push(priority);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (priorities[parent]! <= priority) break;
      items[i] = items[parent]!;
      priorities[i] = priorities[parent]!;
      i = parent;
    }
    items[i] = item;
    priorities[i] = priority;
  }

  /** The entry with the smallest priority, or `undefined` when empty. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Priority of the smallest entry, or `Infinity` when empty. */
  peekPriority(): number {
    return this.priorities.length === 0 ? Number.POSITIVE_INFINITY : this.priorities[0]!;
  }

  /** Removes and returns the smallest entry, or `undefined` when empty. */
  pop(): T | undefined {
    const items = this.items;
    const priorities = this.priorities;
    if (items.length === 0) return undefined;
    const top = items[0];
    const lastItem = items.pop()!;
    const lastPriority = priorities.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && priorities[right]! < priorities[left]! ? right : left;
        if (priorities[child]! >= lastPriority) break;
        items[i] = items[child]!;
        priorities[i] = priorities[child]!;
        i = child;
      }
      items[i] = lastItem;
      priorities[i] = lastPriority;
    }
    return top;
  }

  /** Removes every entry. */
  clear(): void {
    this.items.length = 0;
    this.priorities.length = 0;
  }
}
