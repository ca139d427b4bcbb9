/** Slots a ring starts with. */
const MIN_SLOTS = 16;
/**
 * A ring never shrinks below this many slots (8 KiB of pointers): a buffer that keeps filling
 * and draining within it would otherwise reallocate and copy on every cycle.
 */
const SHRINK_FLOOR = 1024;

/**
 * A FIFO over a power-of-two array: O(1) push, shift and peek, no `Array.prototype.shift`
 * cost. Its memory follows what it holds, not its bound: it starts with 16 slots, doubles
 * when full, and halves once it is three quarters empty (never below 1,024 slots, so a buffer
 * cycling between empty and full does not reallocate each time), so a ring bounded at 2^24
 * that holds 3 items costs 16 slots, and one that held a million and drained costs 1,024. Shifted slots are cleared so they retain nothing.
 *
 * `capacity` is only the bound {@link isFull} reports (default unbounded); pushing past it is
 * the caller's choice.
 */
export class RingBuffer<T> {
  private slots: (T | undefined)[] = new Array<T | undefined>(MIN_SLOTS);
  private mask = MIN_SLOTS - 1;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number = Number.POSITIVE_INFINITY) {}

  get size(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.capacity;
  }

  /** Appends an item. */
  push(item: T): void {
    if (this.count === this.slots.length) this.resize(this.slots.length * 2);
    this.slots[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  /** Removes and returns the oldest item; the caller checks `size` first. */
  shift(): T {
    const item = this.slots[this.head] as T;
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    const length = this.slots.length;
    if (length > SHRINK_FLOOR && this.count <= length >>> 2) this.resize(length >>> 1);
    return item;
  }

  /** The oldest item without removing it (`undefined` when empty). */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /** Removes every item, releasing the references and the grown slots. */
  clear(): void {
    this.slots = new Array<T | undefined>(MIN_SLOTS);
    this.mask = MIN_SLOTS - 1;
    this.head = 0;
    this.count = 0;
  }

  /** The number of slots allocated now (for tests of the memory bound). */
  get allocated(): number {
    return this.slots.length;
  }

  private resize(length: number): void {
    const old = this.slots;
    const slots = new Array<T | undefined>(length);
    for (let i = 0; i < this.count; i++) slots[i] = old[(this.head + i) & this.mask];
    this.slots = slots;
    this.mask = length - 1;
    this.head = 0;
  }
}
