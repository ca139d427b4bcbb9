import type { MockFaultKind, MockPollTimings, MockRequestRecord } from './types.js';

// Samples kept for first-poll delays and gaps; min/max stay exact beyond it.
const SAMPLE_LIMIT = 10_000;
// What one log record keeps of a request's parameters (the key never).
const MAX_PARAMS = 32;
const MAX_TEXT = 100;
// Estimated bytes of a record besides its strings (object, fields, numbers).
const RECORD_OVERHEAD = 128;

type Counts = Record<string, number>;

function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

/**
 * Request parameters as `state().log` shows and keeps them: no key, at most 32 parameters,
 * names and values over 100 characters cut. Copied when the request is recorded, so the log
 * never holds on to a request's full body.
 */
export function publicParams(fields: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  let kept = 0;
  for (const name in fields) {
    if (name === 'key') continue;
    if (kept++ === MAX_PARAMS) break;
    out[cut(name)] = cut(fields[name]!);
  }
  return out;
}

/** Estimated bytes a record holds: 2 per character of its strings, plus a fixed overhead. */
function recordBytes(record: MockRequestRecord): number {
  let chars = record.route.length + record.method.length + record.contentType.length;
  chars += (record.answer?.length ?? 0) + (record.fault?.length ?? 0);
  for (const name in record.params) chars += name.length + record.params[name]!.length;
  return RECORD_OVERHEAD + 2 * chars;
}

function bump(counts: Counts, name: string): void {
  counts[name] = (counts[name] ?? 0) + 1;
}

/**
 * What the mock saw, for tests to assert on: counts per route, per answer and per fault,
 * poll timing, and a log of recent requests (without keys) bounded by count and by bytes.
 */
export class Recorder {
  routes: Counts = Object.create(null);
  answers: Counts = Object.create(null);
  answersByRoute: Record<string, Counts> = Object.create(null);
  faults: Partial<Record<MockFaultKind, number>> = Object.create(null);
  created = 0;
  solved = 0;
  unsolvable = 0;
  lost = 0;
  expired = 0;
  evicted = 0;
  keyInUrl = false;
  submitsAfterFatal = 0;
  bans = 0;

  private firstPollDelays: number[] = [];
  private gaps: number[] = [];
  private minFirstPollDelay = Number.POSITIVE_INFINITY;
  private minGap = Number.POSITIVE_INFINITY;
  private maxPollsPerTask = 0;

  // A ring of the last records: `logCount` of them end just before `logAt`.
  private log: (MockRequestRecord | undefined)[];
  private sizes: number[];
  private logAt = 0;
  private logCount = 0;
  private heldBytes = 0;

  constructor(
    private logSize: number,
    private logBytes: number,
  ) {
    this.log = new Array(logSize);
    this.sizes = new Array(logSize).fill(0);
  }

  route(route: string): void {
    bump(this.routes, route);
  }

  answer(route: string, code: string): void {
    bump(this.answers, code);
    let byRoute = this.answersByRoute[route];
    if (!byRoute) this.answersByRoute[route] = byRoute = Object.create(null) as Counts;
    bump(byRoute, code);
  }

  fault(kind: MockFaultKind): void {
    this.faults[kind] = (this.faults[kind] ?? 0) + 1;
  }

  /** Records a poll of a task: its first-poll delay or the gap since its previous poll. */
  poll(firstPoll: boolean, sinceLast: number, polls: number): void {
    if (firstPoll) {
      if (sinceLast < this.minFirstPollDelay) this.minFirstPollDelay = sinceLast;
      if (this.firstPollDelays.length < SAMPLE_LIMIT) this.firstPollDelays.push(sinceLast);
    } else {
      if (sinceLast < this.minGap) this.minGap = sinceLast;
      if (this.gaps.length < SAMPLE_LIMIT) this.gaps.push(sinceLast);
    }
    if (polls > this.maxPollsPerTask) this.maxPollsPerTask = polls;
  }

  /** Whether the request log is on (lets the hot path skip building records). */
  get logging(): boolean {
    return this.logSize > 0;
  }

  /** Estimated bytes the log holds now; never above `logBytes`. */
  get logHeldBytes(): number {
    return this.heldBytes;
  }

  /**
   * Records a request: its `params` are copied through {@link publicParams} (no key, bounded),
   * and the oldest records are dropped while the log is over `logSize` records or `logBytes`
   * bytes; a record larger than `logBytes` on its own is not kept. Returns the record as kept
   * (and as `state().log` shows it), whether or not the log had room for it.
   */
  request(raw: MockRequestRecord): MockRequestRecord {
    const record = { ...raw, params: publicParams(raw.params) };
    if (this.logSize === 0) return record;
    const bytes = recordBytes(record);
    if (bytes > this.logBytes) return record;
    if (this.logCount === this.logSize) this.dropOldest();
    while (this.heldBytes + bytes > this.logBytes) this.dropOldest();
    this.log[this.logAt] = record;
    this.sizes[this.logAt] = bytes;
    this.heldBytes += bytes;
    this.logAt = (this.logAt + 1) % this.logSize;
    this.logCount++;
    return record;
  }

  private dropOldest(): void {
    const oldest = (this.logAt - this.logCount + this.logSize) % this.logSize;
    this.log[oldest] = undefined;
    this.heldBytes -= this.sizes[oldest]!;
    this.sizes[oldest] = 0;
    this.logCount--;
  }

  /** Changes the log's bounds, keeping the most recent records that fit. */
  resize(logSize: number, logBytes: number): void {
    if (logSize === this.logSize && logBytes === this.logBytes) return;
    const kept = this.recentRequests();
    this.logSize = logSize;
    this.logBytes = logBytes;
    this.log = new Array(logSize);
    this.sizes = new Array(logSize).fill(0);
    this.logAt = 0;
    this.logCount = 0;
    this.heldBytes = 0;
    for (const record of kept.slice(-logSize || kept.length)) this.request(record);
  }

  /** The log, oldest first. */
  recentRequests(): MockRequestRecord[] {
    const out: MockRequestRecord[] = [];
    const size = Math.max(1, this.logSize);
    const start = (this.logAt - this.logCount + size) % size;
    for (let i = 0; i < this.logCount; i++) out.push(this.log[(start + i) % size]!);
    return out;
  }

  pollTimings(): MockPollTimings {
    return {
      firstPollDelays: [...this.firstPollDelays],
      gaps: [...this.gaps],
      minFirstPollDelay: Number.isFinite(this.minFirstPollDelay)
        ? this.minFirstPollDelay
        : undefined,
      minGap: Number.isFinite(this.minGap) ? this.minGap : undefined,
      maxPollsPerTask: this.maxPollsPerTask,
    };
  }
}
