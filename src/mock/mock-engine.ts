import { FaultPicker } from './fault-picker.js';
import { IpGuard } from './ip-guard.js';
import { KeyAccount } from './key-account.js';
import { createRandom, type Random } from './random.js';
import { Recorder } from './recorder.js';
import type { MockConfig, ResolvedFault, ResolvedStep } from './resolve-options.js';
import { ScriptCursor } from './script-cursor.js';
import type { Task } from './task.js';
import { TaskStore } from './task-store.js';
import type { MockKeyState, MockSolverState, MockTaskType } from './types.js';

// Unknown keys that got a fatal answer are remembered up to this many (memory bound).
const UNKNOWN_FATAL_LIMIT = 1_000;
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const IMAGE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const TOKEN_SHAPE: Readonly<Record<MockTaskType, { prefix: string; length: number }>> = {
  'recaptcha-v2': { prefix: '03AFcWeA', length: 520 },
  'recaptcha-v3': { prefix: '03AFcWeA', length: 520 },
  hcaptcha: { prefix: 'P1_eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.', length: 420 },
  turnstile: { prefix: '0.', length: 300 },
  image: { prefix: '', length: 6 },
};

/**
 * The mock's state and the rules shared by both endpoints: accounts, tasks, bans, scripts,
 * random streams and the recorder. The endpoint logic lives in `handle-submit.ts` and
 * `handle-result.ts`; the HTTP side in `start-mock-solver.ts`.
 */
export class MockEngine {
  config!: MockConfig;
  readonly accounts = new Map<string, KeyAccount>();
  readonly store: TaskStore;
  readonly ipGuard = new IpGuard();
  recorder: Recorder;
  script: ScriptCursor | undefined;
  picker!: FaultPicker;
  readonly latencyRandom: Random;
  readonly outcomeRandom: Random;
  private readonly tokenSeed: number;
  private readonly faultRandom: Random;
  private readonly filler: string;
  private readonly unknownFatal = new Map<string, number>();
  startedAt: number;

  constructor(
    config: MockConfig,
    private readonly now: () => number,
  ) {
    const seed = config.seed;
    this.latencyRandom = createRandom(seed, 'latency');
    this.outcomeRandom = createRandom(seed, 'outcome');
    this.faultRandom = createRandom(seed, 'fault');
    const tokenRandom = createRandom(seed, 'token');
    this.tokenSeed = Math.floor(tokenRandom() * 0x100000000);
    let filler = '';
    for (let i = 0; i < 600; i++) filler += TOKEN_ALPHABET[Math.floor(tokenRandom() * 64)];
    this.filler = filler;
    // Ids look like the services' (ten digits) and depend on the seed only.
    this.store = new TaskStore(7_000_000_000 + Math.floor(createRandom(seed, 'id')() * 1e9));
    this.recorder = new Recorder(config.logSize, config.logBytes);
    this.startedAt = now();
    this.apply(config, true);
  }

  /** Puts validated options in force. Counters survive; spent scripts restart when replaced. */
  apply(config: MockConfig, scriptsChanged: boolean | ReadonlySet<string>): void {
    const previous = this.config as MockConfig | undefined;
    this.config = config;
    for (const key of this.accounts.keys()) {
      if (!config.keys.has(key)) this.accounts.delete(key);
    }
    for (const [key, plan] of config.keys) {
      const account = this.accounts.get(key);
      if (!account) {
        this.accounts.set(key, new KeyAccount(plan));
        continue;
      }
      account.threads = plan.threads;
      if (previous?.keys.get(key)?.balance !== plan.balance) account.balance = plan.balance;
      if (scriptsChanged === true || (scriptsChanged !== false && scriptsChanged.has(key))) {
        account.script = plan.script ? new ScriptCursor(plan.script) : undefined;
      }
    }
    if (scriptsChanged === true || (scriptsChanged !== false && scriptsChanged.has(''))) {
      this.script = config.script ? new ScriptCursor(config.script) : undefined;
    }
    if (!previous || previous.faults !== config.faults) {
      this.picker = new FaultPicker(config.faults, this.faultRandom);
    }
    if (previous && previous.submitBurst?.limit !== config.submitBurst?.limit) {
      for (const account of this.accounts.values()) account.resetBurst();
    }
    this.recorder.resize(config.logSize, config.logBytes);
  }

  /** Converts a configured duration to clock ms. */
  scaled(ms: number): number {
    return ms * this.config.timeScale;
  }

  /**
   * Forgets the tasks whose results expired by `now`, then the oldest finished ones beyond
   * `maxTasks`. Call before handling a request and after creating a task.
   */
  tick(now: number): void {
    this.store.sweep(now, this.onExpire);
    this.store.evictFinished(now, this.config.maxTasks, this.onEvict);
  }

  private readonly onExpire = (task: Task): void => {
    if (task.open) this.recorder.expired++;
    task.account.close(task);
  };

  private readonly onEvict = (task: Task): void => {
    this.recorder.evicted++;
    task.account.close(task);
  };

  /** The scripted step for this request, if any (the key's script first). */
  nextStep(route: 'in' | 'res', key: string): ResolvedStep | undefined {
    return this.accounts.get(key)?.script?.nextStep(route) ?? this.script?.nextStep(route);
  }

  /** The random fault for this request, if any. */
  pickFault(
    route: 'in' | 'res',
    action: string | undefined,
    key: string,
  ): ResolvedFault | undefined {
    return this.picker.empty ? undefined : this.picker.pick(route, action, key);
  }

  /** Records that `key` received `code`; fatal-account codes make later submits suspicious. */
  noteAnswer(key: string, code: string, now: number): void {
    if (!this.config.profile.fatalCodes.has(code)) return;
    const account = this.accounts.get(key);
    if (account) {
      account.fatalAt ??= now;
    } else if (!this.unknownFatal.has(key) && this.unknownFatal.size < UNKNOWN_FATAL_LIMIT) {
      this.unknownFatal.set(key, now);
    }
  }

  /** Counts a submit made with `key` after it got a fatal-account answer. */
  noteSubmit(key: string, account: KeyAccount | undefined): void {
    const fatal = account ? account.fatalAt !== undefined : this.unknownFatal.has(key);
    if (!fatal) return;
    this.recorder.submitsAfterFatal++;
    if (account) account.submitsAfterFatal++;
  }

  /** Whether `url` carries any configured key (in the path or query) or a `key=` parameter. */
  noteKeyInUrl(url: string, queryHasKey: boolean): boolean {
    let found = queryHasKey;
    for (const [key, account] of this.accounts) {
      if (url.includes(key)) {
        account.keyInUrl = true;
        found = true;
      }
    }
    if (found) this.recorder.keyInUrl = true;
    return found;
  }

  /**
   * The token (or image text) of task `id`: the same on every delivery, different per task and
   * per seed, derived from the id so tasks need not store it.
   */
  token(type: MockTaskType, id: number): string {
    let h =
      (this.tokenSeed ^ Math.imul(id % 0x100000000, 0x9e3779b1) ^ Math.floor(id / 0x100000000)) >>>
      0;
    const next = (): number => {
      h = (h + 0x6d2b79f5) >>> 0;
      let t = Math.imul(h ^ (h >>> 15), h | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (t ^ (t >>> 14)) >>> 0;
    };
    if (type === 'image') {
      let text = '';
      for (let i = 0; i < 6; i++) text += IMAGE_ALPHABET[next() % IMAGE_ALPHABET.length];
      return text;
    }
    const shape = TOKEN_SHAPE[type];
    let unique = id.toString(36);
    for (let i = 0; i < 10; i++) unique += TOKEN_ALPHABET[next() & 63];
    const head = shape.prefix + unique;
    return head + this.filler.slice(0, Math.max(0, shape.length - head.length));
  }

  /** Forgets tasks, counters, records, bans and script progress. */
  reset(): void {
    this.store.clear();
    this.ipGuard.clear();
    this.unknownFatal.clear();
    this.accounts.clear();
    this.recorder = new Recorder(this.config.logSize, this.config.logBytes);
    this.startedAt = this.now();
    const config = this.config;
    (this as { config: MockConfig | undefined }).config = undefined;
    this.apply(config, true);
  }

  /** A snapshot of everything recorded. */
  snapshot(): MockSolverState {
    const now = this.now();
    this.tick(now);
    const r = this.recorder;
    const keys: Record<string, MockKeyState> = {};
    for (const [key, account] of this.accounts) {
      account.releaseDue(now);
      keys[key] = account.snapshot(now);
    }
    const answersByRoute: Record<string, Record<string, number>> = {};
    for (const [route, counts] of Object.entries(r.answersByRoute)) {
      answersByRoute[route] = { ...counts };
    }
    return {
      provider: this.config.provider,
      time: now - this.startedAt,
      routes: { ...r.routes },
      answers: { ...r.answers },
      answersByRoute,
      faults: { ...r.faults },
      tasks: {
        created: r.created,
        solved: r.solved,
        unsolvable: r.unsolvable,
        lost: r.lost,
        expired: r.expired,
        evicted: r.evicted,
        held: this.store.size,
      },
      polls: r.pollTimings(),
      keyInUrl: r.keyInUrl,
      submitsAfterFatal: r.submitsAfterFatal,
      bans: r.bans,
      keys,
      log: r.recentRequests().map((record) => ({ ...record, params: { ...record.params } })),
    };
  }
}
