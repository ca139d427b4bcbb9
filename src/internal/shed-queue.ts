import { type HeapEntry, LevelHeap } from './level-heap.js';
import { RingBuffer } from './ring-buffer.js';

/**
 * The bounded store behind `shed`: items grouped by priority level, so the oldest of the
 * lowest-priority items can be evicted and items served either in arrival order or highest
 * priority first. Every operation costs O(log L) for L distinct priorities held (at most the
 * capacity), whatever the priorities are (timestamps, random numbers, a handful of levels):
 * levels are found through a `Map`, ordered by indexed heaps (lowest first for eviction,
 * highest first for `order: 'priority'`), and a level's items form a linked FIFO.
 */

interface Node<T> {
  readonly value: T;
  readonly level: Level<T>;
  /** Neighbours in arrival order (the global FIFO). */
  older: Node<T> | undefined;
  newer: Node<T> | undefined;
  /** The next newer item of the same level. */
  nextInLevel: Node<T> | undefined;
}

/** One priority's items, oldest first, linked through the nodes. */
class Level<T> implements HeapEntry {
  first: Node<T> | undefined;
  last: Node<T> | undefined;
  lowAt = -1;
  highAt = -1;

  constructor(readonly priority: number) {}
}

/** What {@link PriorityShedQueue.offer} did with an item. */
export type OfferResult<T> =
  | { readonly admitted: true; readonly evicted?: undefined }
  | { readonly admitted: true; readonly evicted: { readonly value: T } }
  | { readonly admitted: false; readonly evicted?: undefined };

const ADMITTED: OfferResult<never> = Object.freeze({ admitted: true });
const REFUSED: OfferResult<never> = Object.freeze({ admitted: false });

/** What `shed` needs of its store. */
export interface ShedQueue<T> {
  readonly size: number;
  /** Admits, evicts or refuses `value` by the `shed` rule. */
  offer(value: T, priority: number): OfferResult<T>;
  /** Removes and returns the next item to serve; the caller checks `size` first. */
  take(): T;
}

/**
 * The store when every item has the same priority (no `priority` option): the rule reduces
 * to drop-newest and both serving orders to arrival order, so a ring is enough.
 */
export class SinglePriorityShedQueue<T> implements ShedQueue<T> {
  private readonly ring: RingBuffer<T>;

  constructor(readonly capacity: number) {
    this.ring = new RingBuffer<T>(capacity);
  }

  get size(): number {
    return this.ring.size;
  }

  offer(value: T): OfferResult<T> {
    if (this.ring.isFull) return REFUSED;
    this.ring.push(value);
    return ADMITTED;
  }

  take(): T {
    return this.ring.shift();
  }
}

/** A bounded multi-level queue with the `shed` admission rule. */
export class PriorityShedQueue<T> implements ShedQueue<T> {
  private oldest: Node<T> | undefined;
  private newest: Node<T> | undefined;
  private readonly levels = new Map<number, Level<T>>();
  private readonly lowest = new LevelHeap<Level<T>>(false);
  /** Kept only when serving by priority. */
  private readonly highest: LevelHeap<Level<T>> | undefined;
  /** The level used last: a stream of one priority skips the map. */
  private recent: Level<T> | undefined;
  private count = 0;

  constructor(
    readonly capacity: number,
    serveByPriority: boolean,
  ) {
    this.highest = serveByPriority ? new LevelHeap<Level<T>>(true) : undefined;
  }

  get size(): number {
    return this.count;
  }

  /** Distinct priorities held now. */
  get levelCount(): number {
    return this.lowest.size;
  }

  /**
   * Admits `value` when there is room. When full, evicts the oldest item of the lowest
   * priority if that priority is strictly lower than `priority`; otherwise refuses `value`.
   */
  offer(value: T, priority: number): OfferResult<T> {
    if (this.count < this.capacity) {
      this.insert(value, priority);
      return ADMITTED;
    }
    const lowest = this.lowest.peek();
    if (!lowest || lowest.priority >= priority) return REFUSED;
    const victim = this.remove(lowest.first!);
    this.insert(value, priority);
    return { admitted: true, evicted: { value: victim.value } };
  }

  /** Removes and returns the next item to serve; the caller checks `size` first. */
  take(): T {
    // The globally oldest node is also the oldest of its own level.
    const node = this.highest ? this.highest.peek()!.first! : this.oldest!;
    return this.remove(node).value;
  }

  private insert(value: T, priority: number): void {
    const level = this.levelFor(priority);
    const node: Node<T> = {
      value,
      level,
      older: this.newest,
      newer: undefined,
      nextInLevel: undefined,
    };
    if (this.newest) this.newest.newer = node;
    else this.oldest = node;
    this.newest = node;
    if (level.last) level.last.nextInLevel = node;
    else level.first = node;
    level.last = node;
    this.count++;
  }

  /** Removes `node`, which is the oldest of its level. */
  private remove(node: Node<T>): Node<T> {
    const level = node.level;
    level.first = node.nextInLevel;
    if (level.first === undefined) {
      level.last = undefined;
      this.dropLevel(level);
    }
    if (node.older) node.older.newer = node.newer;
    else this.oldest = node.newer;
    if (node.newer) node.newer.older = node.older;
    else this.newest = node.older;
    node.older = node.newer = node.nextInLevel = undefined;
    this.count--;
    return node;
  }

  private levelFor(priority: number): Level<T> {
    const recent = this.recent;
    if (recent !== undefined && recent.priority === priority && recent.lowAt !== -1) {
      return recent;
    }
    let level = this.levels.get(priority);
    if (level === undefined) {
      level = new Level<T>(priority);
      this.levels.set(priority, level);
      this.lowest.push(level);
      this.highest?.push(level);
    }
    this.recent = level;
    return level;
  }

  private dropLevel(level: Level<T>): void {
    this.levels.delete(level.priority);
    this.lowest.remove(level);
    this.highest?.remove(level);
  }
}
