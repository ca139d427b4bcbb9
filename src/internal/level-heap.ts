/** Something a {@link LevelHeap} orders: a priority and its position in each heap. */
export interface HeapEntry {
  readonly priority: number;
  /** Position in the lowest-first heap (`-1` when not held). */
  lowAt: number;
  /** Position in the highest-first heap (`-1` when not held). */
  highAt: number;
}

/**
 * A binary heap of entries by priority (lowest first, or highest first) that knows where
 * each entry sits, so any entry is removed in O(log n), not only the top. The sort keys live
 * in their own array beside the entries, so sifting compares numbers without visiting the
 * entries; the entry's position field (`lowAt` or `highAt`) is kept up to date, so one entry
 * can sit in one heap of each kind.
 */
export class LevelHeap<E extends HeapEntry> {
  private readonly entries: E[] = [];
  /** `priority`, negated in a highest-first heap, so both kinds sift lowest key first. */
  private readonly keys: number[] = [];

  constructor(private readonly highestFirst: boolean) {}

  get size(): number {
    return this.entries.length;
  }

  /** The lowest (or highest) entry, `undefined` when empty. */
  peek(): E | undefined {
    return this.entries[0];
  }

  push(entry: E): void {
    this.entries.push(entry);
    this.keys.push(this.highestFirst ? -entry.priority : entry.priority);
    this.up(this.entries.length - 1);
  }

  /** Removes `entry`, which this heap holds. */
  remove(entry: E): void {
    const index = this.highestFirst ? entry.highAt : entry.lowAt;
    this.place(entry, -1);
    const last = this.entries.pop()!;
    const lastKey = this.keys.pop()!;
    if (index === this.entries.length) return; // it was the last one
    this.entries[index] = last;
    this.keys[index] = lastKey;
    this.place(last, index);
    this.down(index);
    this.up(index);
  }

  private place(entry: E, index: number): void {
    if (this.highestFirst) entry.highAt = index;
    else entry.lowAt = index;
  }

  private up(index: number): void {
    const { entries, keys } = this;
    const entry = entries[index]!;
    const key = keys[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      if (!(key < keys[parentIndex]!)) break;
      const parent = entries[parentIndex]!;
      entries[index] = parent;
      keys[index] = keys[parentIndex]!;
      this.place(parent, index);
      index = parentIndex;
    }
    entries[index] = entry;
    keys[index] = key;
    this.place(entry, index);
  }

  private down(index: number): void {
    const { entries, keys } = this;
    const length = entries.length;
    const entry = entries[index]!;
    const key = keys[index]!;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      const right = child + 1;
      if (right < length && keys[right]! < keys[child]!) child = right;
      if (!(keys[child]! < key)) break;
      const moved = entries[child]!;
      entries[index] = moved;
      keys[index] = keys[child]!;
      this.place(moved, index);
      index = child;
    }
    entries[index] = entry;
    keys[index] = key;
    this.place(entry, index);
  }
}
