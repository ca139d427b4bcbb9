import type { MockFaultKind, MockPollTimings, MockRequestRecord } from './types.js';

// Samples kept for first-poll delays and gaps; min/max stay exact beyond it.
const SAMPLE_LIMIT = 10_000;

type Counts = Record<string, number>;

/** Request parameters as `state().log` shows them: no key, values over 100 characters cut. */
function publicParams(fields: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in fields) {
    if (name === 'key') continue;
    const value = fields[name]!;
    out[name] = value.length > 100 ? `${value.slice(0, 100)}…` : value;
  }
  return out;
}

function bump(counts: Counts, name: string): void {
  counts[name] = (counts[name] ?? 0) + 1;
}

/**
 * What the mock saw, for tests to assert on: counts per route, per answer and per fault,
 * poll timing, and a bounded log of recent requests (without keys).
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
  keyInUrl = false;
  submitsAfterFatal = 0;
  bans = 0;

  private firstPollDelays: number[] = [];
  private gaps: number[] = [];
  private minFirstPollDelay = Number.POSITIVE_INFINITY;
  private minGap = Number.POSITIVE_INFINITY;
  private maxPollsPerTask = 0;

  private log: (MockRequestRecord | undefined)[];
  private logAt = 0;
  private logCount = 0;

  constructor(private logSize: number) {
    this.log = new Array(logSize);
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

  /** Whether the request log is on (skips building records when it is not). */
  get logging(): boolean {
    return this.logSize > 0;
  }

  request(record: MockRequestRecord): void {
    if (this.logSize === 0) return;
    this.log[this.logAt] = record;
    this.logAt = (this.logAt + 1) % this.logSize;
    if (this.logCount < this.logSize) this.logCount++;
  }

  /** Changes the log length, keeping the most recent records. */
  resize(logSize: number): void {
    if (logSize === this.logSize) return;
    const kept = this.rawRequests().slice(-logSize || Number.POSITIVE_INFINITY);
    this.logSize = logSize;
    this.log = new Array(logSize);
    this.logAt = 0;
    this.logCount = 0;
    if (logSize > 0) for (const record of kept) this.request(record);
  }

  private rawRequests(): MockRequestRecord[] {
    const out: MockRequestRecord[] = [];
    const start = (this.logAt - this.logCount + this.logSize) % Math.max(1, this.logSize);
    for (let i = 0; i < this.logCount; i++) out.push(this.log[(start + i) % this.logSize]!);
    return out;
  }

  /** The log, oldest first, as copies whose `params` lack the key and have long values cut. */
  recentRequests(): MockRequestRecord[] {
    return this.rawRequests().map((record) => ({
      ...record,
      params: publicParams(record.params),
    }));
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
