import { RingBuffer } from './ring-buffer.js';

/**
 * Consumers parked in an iterator's `next()`, oldest first. The first waiter lives in two
 * fields, so the common case (one `for await` consumer) parks without allocating a record or
 * a closure per item; concurrent callers of `next()` queue behind it.
 */
export class WaiterQueue<T> {
  private resolveFirst: ((result: IteratorResult<T>) => void) | undefined;
  private rejectFirst: ((error: unknown) => void) | undefined;
  private readonly more = new RingBuffer<{
    resolve: (result: IteratorResult<T>) => void;
    reject: (error: unknown) => void;
  }>();
  private count = 0;
  private readonly executor = (
    resolve: (result: IteratorResult<T>) => void,
    reject: (error: unknown) => void,
  ): void => {
    if (this.count === 0) {
      this.resolveFirst = resolve;
      this.rejectFirst = reject;
    } else {
      this.more.push({ resolve, reject });
    }
    this.count++;
  };

  get size(): number {
    return this.count;
  }

  /** A promise that settles when this waiter's turn comes. */
  park(): Promise<IteratorResult<T>> {
    return new Promise(this.executor);
  }

  resolveOldest(result: IteratorResult<T>): void {
    const resolve = this.resolveFirst!;
    this.shift();
    resolve(result);
  }

  rejectOldest(error: unknown): void {
    const reject = this.rejectFirst!;
    this.shift();
    reject(error);
  }

  resolveAll(result: IteratorResult<T>): void {
    while (this.count > 0) this.resolveOldest(result);
  }

  rejectAll(error: unknown): void {
    while (this.count > 0) this.rejectOldest(error);
  }

  private shift(): void {
    this.count--;
    if (this.more.size === 0) {
      this.resolveFirst = undefined;
      this.rejectFirst = undefined;
      return;
    }
    const next = this.more.shift();
    this.resolveFirst = next.resolve;
    this.rejectFirst = next.reject;
  }
}
