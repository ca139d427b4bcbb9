import { MinHeap } from './min-heap.js';
import type { ResolvedKey } from './resolve-options.js';
import { ScriptCursor } from './script-cursor.js';
import type { Task } from './task.js';
import type { MockKeyState } from './types.js';

/**
 * Thread and ban accounting for one API key. Threads are released without timers: each
 * occupied thread sits in a heap by the time it frees, and `releaseDue(now)` pops what is due.
 */
export class KeyAccount {
  threads: number;
  balance: number;
  script: ScriptCursor | undefined;

  inFlight = 0;
  peakInFlight = 0;
  open = 0;
  peakOpen = 0;
  submits = 0;
  accepted = 0;
  noSlot = 0;
  polls = 0;
  solved = 0;
  unsolvable = 0;
  keyInUrl = false;
  /** Time of the first fatal-account answer to this key, or `undefined`. */
  fatalAt: number | undefined;
  submitsAfterFatal = 0;
  /** End of a submit-burst ban (in.php refused until then). */
  submitBannedUntil = Number.NEGATIVE_INFINITY;
  /** End of a poll-budget ban (res.php refused until then). */
  pollBannedUntil = Number.NEGATIVE_INFINITY;

  // Submit-burst window: a ring of the last `limit` submit times.
  private burstTimes: number[] = [];
  private burstHead = 0;
  // Poll budget counters since the last budget ban.
  budgetPolls = 0;
  budgetSubmits = 0;

  private readonly releases = new MinHeap<Task>();

  constructor(plan: ResolvedKey) {
    this.threads = plan.threads;
    this.balance = plan.balance;
    this.script = plan.script ? new ScriptCursor(plan.script) : undefined;
  }

  /** Frees the threads of tasks whose release time has come. */
  releaseDue(now: number): void {
    const releases = this.releases;
    while (releases.peekPriority() <= now) {
      const task = releases.pop()!;
      if (task.holdsThread) {
        task.holdsThread = false;
        this.inFlight--;
      }
    }
  }

  /** Whether a new task can start now (call `releaseDue` first). */
  hasFreeThread(): boolean {
    return this.inFlight < this.threads;
  }

  /** Occupies a thread for `task` until `releaseAt` (or an earlier `release`), and opens it. */
  occupy(task: Task, releaseAt: number): void {
    task.holdsThread = true;
    task.open = true;
    this.releases.push(task, releaseAt);
    if (++this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
    if (++this.open > this.peakOpen) this.peakOpen = this.open;
  }

  /** Frees `task`'s thread now, if it still holds one. */
  release(task: Task): void {
    if (task.holdsThread) {
      task.holdsThread = false;
      this.inFlight--;
    }
  }

  /** The task's final answer was fetched, or the task expired: it no longer counts as open. */
  close(task: Task): void {
    this.release(task);
    if (task.open) {
      task.open = false;
      this.open--;
    }
  }

  /**
   * Records one submit in the burst window. Returns `true` when it exceeds `limit` submits
   * within `window` ms (the caller then bans the key).
   */
  burstExceeded(now: number, limit: number, window: number): boolean {
    const times = this.burstTimes;
    if (times.length === limit && now - times[this.burstHead]! < window) return true;
    if (times.length < limit) times.push(now);
    else {
      times[this.burstHead] = now;
      this.burstHead = (this.burstHead + 1) % limit;
    }
    return false;
  }

  /** Forgets the burst window (after a ban, or when `limit` changes). */
  resetBurst(): void {
    this.burstTimes = [];
    this.burstHead = 0;
  }

  /** A snapshot for `state()`. */
  snapshot(now: number): MockKeyState {
    return {
      threads: this.threads,
      inFlight: this.inFlight,
      peakInFlight: this.peakInFlight,
      open: this.open,
      peakOpen: this.peakOpen,
      balance: Math.round(this.balance * 1e9) / 1e9,
      submits: this.submits,
      accepted: this.accepted,
      noSlot: this.noSlot,
      polls: this.polls,
      solved: this.solved,
      unsolvable: this.unsolvable,
      keyInUrl: this.keyInUrl,
      submitsAfterFatal: this.submitsAfterFatal,
      banned: this.submitBannedUntil > now || this.pollBannedUntil > now,
    };
  }
}
