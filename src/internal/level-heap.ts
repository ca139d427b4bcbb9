/** Something a {@link LevelHeap} orders: a priority and one position slot per heap. */
export interface HeapEntry {
  readonly priority: number;
  /** Positions in the heaps that hold the entry (`-1` when not held); one slot per heap. */
  readonly at: number[];
}

/**
 * A binary heap of entries by priority (lowest first, or highest first) that knows where
 * each entry sits, so any entry is removed in O(log n), not only the top. `slot` picks which
 * of the entry's `at` positions this heap maintains, so one entry can sit in two heaps.
 */
export class LevelHeap<E extends HeapEntry> {
  private readonly heap: E[] = [];

  constructor(
    private readonly highestFirst: boolean,
    private readonly slot: number,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** The lowest (or highest) entry, `undefined` when empty. */
  peek(): E | undefined {
    return this.heap[0];
  }

  push(entry: E): void {
    const heap = this.heap;
    heap.push(entry);
    entry.at[this.slot] = heap.length - 1;
    this.up(heap.length - 1);
  }

  /** Removes `entry`, which this heap holds. */
  remove(entry: E): void {
    const heap = this.heap;
    const index = entry.at[this.slot]!;
    entry.at[this.slot] = -1;
    const last = heap.pop()!;
    if (index === heap.length) return; // it was the last one
    heap[index] = last;
    last.at[this.slot] = index;
    this.down(index);
    this.up(index);
  }

  /** Whether `a` belongs above `b`. */
  private before(a: E, b: E): boolean {
    return this.highestFirst ? a.priority > b.priority : a.priority < b.priority;
  }

  private up(index: number): void {
    const heap = this.heap;
    const entry = heap[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!this.before(entry, parent)) break;
      heap[index] = parent;
      parent.at[this.slot] = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.at[this.slot] = index;
  }

  private down(index: number): void {
    const heap = this.heap;
    const length = heap.length;
    const entry = heap[index]!;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      const right = child + 1;
      if (right < length && this.before(heap[right]!, heap[child]!)) child = right;
      const candidate = heap[child]!;
      if (!this.before(candidate, entry)) break;
      heap[index] = candidate;
      candidate.at[this.slot] = index;
      index = child;
    }
    heap[index] = entry;
    entry.at[this.slot] = index;
  }
}
