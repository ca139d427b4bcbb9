/**
 * A fixed-capacity FIFO over a power-of-two array: O(1) push and shift with no reallocation
 * and no `Array.prototype.shift` cost. Shifted slots are cleared so they retain nothing.
 */
export class RingBuffer<T> {
  private readonly slots: (T | undefined)[];
  private readonly mask: number;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    let size = 1;
    while (size < capacity) size *= 2;
    this.slots = new Array<T | undefined>(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.capacity;
  }

  /** Appends an item; the caller checks `isFull` first. */
  push(item: T): void {
    this.slots[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  /** Removes and returns the oldest item; the caller checks `size` first. */
  shift(): T {
    const item = this.slots[this.head] as T;
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return item;
  }

  /** Removes every item, releasing the references. */
  clear(): void {
    while (this.count > 0) this.shift();
  }
}
