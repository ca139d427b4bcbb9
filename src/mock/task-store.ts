import { MinHeap } from './min-heap.js';
import type { Task } from './task.js';

/**
 * The tasks the mock knows, by id, with lazy expiry: `sweep(now)` forgets every task whose
 * result TTL has passed, so lookups after a sweep are exact and no timer is needed;
 * `evictFinished` keeps the count bounded.
 */
export class TaskStore {
  private readonly tasks = new Map<number, Task>();
  private readonly expiries = new MinHeap<Task>();
  private next: number;

  constructor(private readonly firstId: number) {
    this.next = firstId;
  }

  /** The id the next task gets. Ids are numeric and increase, like the real services' ids. */
  nextId(): number {
    return this.next++;
  }

  add(task: Task): void {
    this.tasks.set(task.id, task);
    this.expiries.push(task, task.expiresAt);
  }

  get(id: number): Task | undefined {
    return this.tasks.get(id);
  }

  /** Number of tasks held. */
  get size(): number {
    return this.tasks.size;
  }

  /** Forgets the tasks expired at `now`, calling `onExpire` for each. */
  sweep(now: number, onExpire: (task: Task) => void): void {
    const expiries = this.expiries;
    while (expiries.peekPriority() <= now) {
      const task = expiries.pop()!;
      this.tasks.delete(task.id);
      onExpire(task);
    }
  }

  /**
   * Forgets the oldest finished tasks (by expiry, which follows the finish time) while more
   * than `max` are held, calling `onEvict` for each. Unfinished tasks are never forgotten.
   */
  evictFinished(now: number, max: number, onEvict: (task: Task) => void): void {
    const expiries = this.expiries;
    while (this.tasks.size > max && expiries.size > 0 && expiries.peek()!.solveAt <= now) {
      const task = expiries.pop()!;
      this.tasks.delete(task.id);
      onEvict(task);
    }
  }

  /** Forgets every task; ids keep increasing so old ids never come back. */
  clear(): void {
    this.tasks.clear();
    this.expiries.clear();
  }

  /** The first id this store handed out. */
  get startId(): number {
    return this.firstId;
  }
}
