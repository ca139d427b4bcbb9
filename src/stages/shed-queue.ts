/**
 * The bounded store behind `shed`: items grouped by priority, so that the oldest of the
 * lowest-priority items can be evicted in O(1) and items can be served either in arrival
 * order or highest priority first. Priorities are few in practice (a handful of levels), so
 * the sorted list of levels stays short.
 */

interface Node<T> {
  readonly value: T;
  readonly priority: number;
  /** Neighbours in arrival order (the global FIFO). */
  older: Node<T> | undefined;
  newer: Node<T> | undefined;
}

/** FIFO of nodes of one priority level; only ever removed at the head. */
class Level<T> {
  private items: Node<T>[] = [];
  private head = 0;

  constructor(readonly priority: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  push(node: Node<T>): void {
    this.items.push(node);
  }

  shift(): Node<T> {
    const node = this.items[this.head]!;
    this.items[this.head] = undefined as unknown as Node<T>;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return node;
  }
}

/** What {@link PriorityShedQueue.offer} did with an item. */
export type OfferResult<T> =
  | { readonly admitted: true; readonly evicted?: undefined }
  | { readonly admitted: true; readonly evicted: { readonly value: T } }
  | { readonly admitted: false; readonly evicted?: undefined };

/** A bounded multi-level queue with the `shed` admission rule. */
export class PriorityShedQueue<T> {
  private oldest: Node<T> | undefined;
  private newest: Node<T> | undefined;
  /** Levels present, ascending by priority. */
  private levels: Level<T>[] = [];
  private count = 0;

  constructor(
    readonly capacity: number,
    private readonly serveByPriority: boolean,
  ) {}

  get size(): number {
    return this.count;
  }

  /**
   * Admits `value` when there is room. When full, evicts the oldest item of the lowest
   * priority if that priority is strictly lower than `priority`; otherwise refuses `value`.
   */
  offer(value: T, priority: number): OfferResult<T> {
    if (this.count < this.capacity) {
      this.insert(value, priority);
      return { admitted: true };
    }
    const lowest = this.levels[0];
    if (!lowest || lowest.priority >= priority) return { admitted: false };
    const victim = this.removeFromLevel(0);
    this.insert(value, priority);
    return { admitted: true, evicted: { value: victim.value } };
  }

  /** Removes and returns the next item to serve; the caller checks `size` first. */
  take(): T {
    if (!this.serveByPriority) {
      const node = this.oldest!;
      // The globally oldest node is also the oldest of its own level.
      return this.removeFromLevel(this.indexOfLevel(node.priority)).value;
    }
    return this.removeFromLevel(this.levels.length - 1).value;
  }

  private insert(value: T, priority: number): void {
    const node: Node<T> = { value, priority, older: this.newest, newer: undefined };
    if (this.newest) this.newest.newer = node;
    else this.oldest = node;
    this.newest = node;
    this.levelFor(priority).push(node);
    this.count++;
  }

  private removeFromLevel(index: number): Node<T> {
    const level = this.levels[index]!;
    const node = level.shift();
    if (level.size === 0) this.levels.splice(index, 1);
    if (node.older) node.older.newer = node.newer;
    else this.oldest = node.newer;
    if (node.newer) node.newer.older = node.older;
    else this.newest = node.older;
    node.older = node.newer = undefined;
    this.count--;
    return node;
  }

  private levelFor(priority: number): Level<T> {
    const levels = this.levels;
    // Binary search for the first level with priority >= the given one.
    let lo = 0;
    let hi = levels.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (levels[mid]!.priority < priority) lo = mid + 1;
      else hi = mid;
    }
    const found = levels[lo];
    if (found && found.priority === priority) return found;
    const level = new Level<T>(priority);
    levels.splice(lo, 0, level);
    return level;
  }

  private indexOfLevel(priority: number): number {
    const levels = this.levels;
    let lo = 0;
    let hi = levels.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const p = levels[mid]!.priority;
      if (p === priority) return mid;
      if (p < priority) lo = mid + 1;
      else hi = mid - 1;
    }
    throw new Error('shed: internal error, priority level missing');
  }
}
