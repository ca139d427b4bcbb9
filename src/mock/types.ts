/**
 * Public types of `backpressure-kit/mock`. This file imports nothing but the core's `Clock`
 * type, so every other mock module can import it without a cycle.
 */
import type { Clock } from '../internal/clock.js';

/**
 * Which provider's behaviour the mock copies where CaptchaAI and 2captcha differ.
 *
 * | | `'captchaai'` | `'2captcha'` |
 * |---|---|---|
 * | answer beyond the thread limit (`noSlotCode`) | `ERROR_ZERO_BALANCE` ("no free threads") | `ERROR_NO_SLOT_AVAILABLE` |
 * | `ERROR_ZERO_BALANCE` means | no free threads (transient) | no funds (fatal for the account) |
 * | `costPerSolve` | `0` (thread plans) | `0.001` |
 * | JSON `request` of a submit (`idAsNumber`) | a number | a string |
 * | submit-burst ban (`submitBurst`) | off | 60 submits in 3 s, 10 s ban (`MAX_USER_TURN`) |
 * | res.php budget (`pollBudget`) | off | 20 per submit + 1200, 5 min ban (`ERROR: 1005`) |
 * | largest image (`maxImageBytes`) | 1 MiB | 600 KiB |
 * | `get2` action | answered `ERROR_BAD_PARAMETERS` | token and price |
 */
export type MockProvider = 'captchaai' | '2captcha';

/** Task types, named as the solver client names them (`Task['type']`). */
export type MockTaskType = 'recaptcha-v2' | 'recaptcha-v3' | 'hcaptcha' | 'turnstile' | 'image';

/**
 * How long the (simulated) workers take to solve a task, before `timeScale` applies.
 * A plain number is a fixed latency in milliseconds.
 *
 * - `fixed`: always `ms`.
 * - `uniform`: evenly between `min` and `max`.
 * - `lognormal`: right-skewed like real solve times, with the given `median` and 95th
 *   percentile `p95` (both ms), cut off at `max` (default `4 * p95`).
 */
export type MockLatency =
  | number
  | {
      /** Always the same. */
      readonly distribution: 'fixed';
      /** The latency, in ms. */
      readonly ms: number;
    }
  | {
      /** Evenly spread. */
      readonly distribution: 'uniform';
      /** Shortest, in ms. */
      readonly min: number;
      /** Longest, in ms. */
      readonly max: number;
    }
  | {
      /** Right-skewed like real solve times. */
      readonly distribution: 'lognormal';
      /** Median, in ms. */
      readonly median: number;
      /** 95th percentile, in ms. */
      readonly p95: number;
      /** Cut-off, in ms. @default 4 * p95 */
      readonly max?: number;
    };

/** Latency per task type; types left out keep their default. */
export type MockLatencyTable = Partial<Record<MockTaskType, MockLatency>>;

/**
 * Transport and protocol faults the mock can inject.
 *
 * | kind | what the client sees | is the request processed? |
 * |---|---|---|
 * | `html-5xx` | HTTP `status` (default 502) with a Cloudflare-like HTML page | no |
 * | `http-429` | HTTP 429 `Too Many Requests`, `Retry-After: retryAfter` seconds | no |
 * | `malformed-json` | HTTP 200, body `{"status":1,"requ` (truncated JSON) | no |
 * | `empty-body` | HTTP 200, empty body | no |
 * | `api-error` | HTTP 200, the API error `code` (default `ERROR_SERVER_ERROR`) | no |
 * | `slow-headers` | the normal answer, after `delay` ms with nothing sent | yes, after the delay |
 * | `slow-body` | headers at once, then the normal answer trickled over `delay` ms | yes |
 * | `hang` | nothing, ever (until the client gives up or the mock closes) | no |
 * | `reset` | the connection reset (ECONNRESET) before any byte of the answer | no |
 * | `answer-lost` | the connection reset, but the request WAS processed (a submit created a task and holds a thread; a poll consumed the answer) | yes |
 */
export type MockFaultKind =
  | 'html-5xx'
  | 'http-429'
  | 'malformed-json'
  | 'empty-body'
  | 'api-error'
  | 'slow-headers'
  | 'slow-body'
  | 'hang'
  | 'reset'
  | 'answer-lost';

/** Which endpoint a fault or script applies to: `in.php` (and `solve.php`), `res.php`, or both. */
export type MockRoute = 'in' | 'res' | 'any';

/** Parameters of a fault, shared by rate-based faults and scripted fault steps. */
export interface MockFaultParameters {
  /** The fault. */
  readonly kind: MockFaultKind;
  /** HTTP status of `html-5xx`. @default 502 */
  readonly status?: number;
  /** Delay of `slow-headers` and `slow-body`, in ms before `timeScale`. @default 5000 */
  readonly delay?: number;
  /** API error code answered by `api-error`. @default 'ERROR_SERVER_ERROR' */
  readonly code?: string;
  /** `Retry-After` seconds of `http-429` (not scaled: it is a header value). @default 5 */
  readonly retryAfter?: number;
}

/**
 * A fault injected at random into matching requests. For each request the mock draws one
 * number from its seeded generator and picks at most one fault, so the rates of the faults
 * that can match one route must add up to at most 1 (checked when configured).
 */
export interface MockFault extends MockFaultParameters {
  /** Probability per matching request, from 0 to 1. @default 1 */
  readonly rate?: number;
  /** Endpoint the fault applies to. @default 'any' */
  readonly route?: MockRoute;
  /** Only res.php requests with this `action` (e.g. `'get'`). @default every action */
  readonly action?: string;
  /** Only requests made with this API key. @default every key */
  readonly key?: string;
  /** Fire at most this many times, then the fault is spent. @default Infinity */
  readonly times?: number;
}

/**
 * One scripted answer: consumed by one request, in order, before any normal processing.
 *
 * - `'OK'`: process the request normally (a placeholder to skip a position).
 * - any other string: answer it as an API error / status code, e.g. `'ERROR_NO_SLOT_AVAILABLE'`,
 *   `'CAPCHA_NOT_READY'`, `'MAX_USER_TURN'`. HTTP 200, `{"status":0,"request":code}` in JSON mode.
 * - `{ fault: … }`: inject that fault into this request.
 */
export type MockStep =
  | string
  | {
      /** The fault to inject into this request. */
      readonly fault: MockFaultParameters;
    };

/** What happens to the n-th task a key (or the mock) accepts. Unset fields are drawn as usual. */
export interface MockTaskScript {
  /** `'solved'` with a token, or `'unsolvable'` (`ERROR_CAPTCHA_UNSOLVABLE`). */
  readonly outcome?: 'solved' | 'unsolvable';
  /** The token (or image text) delivered when solved. @default a generated token */
  readonly token?: string;
  /** Solve latency in ms before `timeScale`. @default drawn from `latency` */
  readonly latency?: number;
}

/**
 * Scripted sequences. Each list is consumed front to back, one entry per matching request (or
 * per accepted task); when a list is used up the mock behaves normally again.
 */
export interface MockScript {
  /** Answers for successive `in.php` requests. */
  readonly in?: readonly MockStep[];
  /** Answers for successive `res.php` requests (any action). */
  readonly res?: readonly MockStep[];
  /** Outcomes of successive accepted tasks. */
  readonly tasks?: readonly MockTaskScript[];
}

/** One API key the mock accepts, with its plan. */
export interface MockKeyOptions {
  /** Concurrent tasks ("threads") this key may have; beyond it a submit gets `noSlotCode`. @default 10 */
  readonly threads?: number;
  /** Account balance returned by `getbalance`; charged `costPerSolve` per solved task. @default 10 */
  readonly balance?: number;
  /** A script only for this key's requests, consumed before the global `script`. */
  readonly script?: MockScript;
}

/** Bans for repeated requests with a wrong or unknown key (per client IP). */
export interface MockBadKeyBan {
  /** Bad-key requests from one IP within `window` that trigger the ban. @default 5 */
  readonly attempts?: number;
  /** ms before `timeScale`. @default 60000 */
  readonly window?: number;
  /** Ban length, ms before `timeScale`; every request from the IP is answered `code`. @default 300000 */
  readonly duration?: number;
  /** @default 'IP_BANNED' */
  readonly code?: string;
}

/** Ban for too many submits by one key in a short window (2captcha's `MAX_USER_TURN`). */
export interface MockSubmitBurstBan {
  /** Submits within `window` allowed; the next one starts the ban. @default 60 */
  readonly limit: number;
  /** ms before `timeScale`. @default 3000 */
  readonly window?: number;
  /** ms before `timeScale`; in.php answers `code` meanwhile. @default 10000 */
  readonly duration?: number;
  /** @default 'MAX_USER_TURN' */
  readonly code?: string;
}

/** 2captcha's res.php budget: more than `perSubmit * submits + base` calls bans the key. */
export interface MockPollBudget {
  /** @default 20 */
  readonly perSubmit?: number;
  /** @default 1200 */
  readonly base?: number;
  /** ms before `timeScale`. @default 300000 */
  readonly duration?: number;
  /** @default 'ERROR: 1005' */
  readonly code?: string;
}

/** Options of {@link startMockSolver}; every field is optional. */
export interface MockSolverOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Provider profile; sets the defaults marked "by provider". @default 'captchaai' */
  readonly provider?: MockProvider;
  /** Accepted API keys and their plans. @default `{ [DEFAULT_MOCK_KEY]: {} }` */
  readonly keys?: Readonly<Record<string, MockKeyOptions>>;
  /** Seed of the pseudo-random generator: the same seed and request order give the same run. @default 1 */
  readonly seed?: number;
  /**
   * Multiplies every duration the mock produces or enforces (latencies, fault delays, TTLs,
   * ban windows and lengths). `0.01` makes a 25 s solve take 250 ms. Must be > 0.
   * Recorded times (first-poll delays, poll gaps) are reported in real clock ms.
   * @default 1
   */
  readonly timeScale?: number;
  /** Time source; a `VirtualClock` makes the mock run in virtual time. @default systemClock */
  readonly clock?: Clock;
  /**
   * Solve latency per task type, or one latency for all. @default by type: recaptcha-v2
   * lognormal median 25 s / p95 60 s; recaptcha-v3 median 8 s / p95 20 s; hcaptcha 20 s /
   * 45 s; turnstile 12 s / 25 s; image 4 s / 12 s
   */
  readonly latency?: MockLatency | MockLatencyTable;
  /** Probability that a task ends `ERROR_CAPTCHA_UNSOLVABLE`. @default 0 */
  readonly unsolvableRate?: number;
  /** Answer to a submit beyond the key's threads. @default by provider */
  readonly noSlotCode?: string;
  /** When a task frees its thread: when solved (or failed), or when its answer is fetched. @default 'solve' */
  readonly releaseThreadOn?: 'solve' | 'fetch';
  /** Charged per solved task; below it a 2captcha submit gets `ERROR_ZERO_BALANCE`. @default by provider */
  readonly costPerSolve?: number;
  /** How long a finished task's answer stays, ms before `timeScale`; then `ERROR_WRONG_CAPTCHA_ID`. @default 300000 */
  readonly resultTtl?: number;
  /** How long after the submit reports are accepted, ms before `timeScale`. @default 900000 */
  readonly reportWindow?: number;
  /** Spelling of "not ready". @default 'CAPCHA_NOT_READY' */
  readonly notReadyText?: 'CAPCHA_NOT_READY' | 'CAPTCHA_NOT_READY';
  /** JSON submit answers carry the id as a number instead of a string. @default by provider */
  readonly idAsNumber?: boolean;
  /** Bad-key ban, or `false`. @default `{ attempts: 5 }` */
  readonly badKeyBan?: MockBadKeyBan | false;
  /** Submit-burst ban, or `false`. @default by provider */
  readonly submitBurst?: MockSubmitBurstBan | false;
  /** res.php budget, or `false`. @default by provider */
  readonly pollBudget?: MockPollBudget | false;
  /** Smallest accepted image, bytes. @default 100 */
  readonly minImageBytes?: number;
  /** Largest accepted image, bytes. @default by provider */
  readonly maxImageBytes?: number;
  /** Random faults. @default [] */
  readonly faults?: readonly MockFault[];
  /** Scripted answers and outcomes for every key. @default none */
  readonly script?: MockScript;
  /** How many recent requests `state().log` keeps (0 keeps none). @default 1000 */
  readonly logSize?: number;
  /**
   * Most bytes the request log holds (estimated as 2 bytes per character of each record plus
   * 128): the oldest records go first when a new one would pass it. Each record keeps at most
   * 32 parameters, names and values cut at 100 characters, so a log never holds a request's
   * full body. @default 1048576 (1 MiB)
   */
  readonly logBytes?: number;
  /**
   * Most tasks kept at once. Finished tasks are kept `resultTtl` for their answer; beyond this
   * count the oldest finished ones are forgotten early (`ERROR_WRONG_CAPTCHA_ID` from then on,
   * counted in `state().tasks.evicted`). Tasks still being solved are never dropped, so the
   * store can only pass the bound while more than `maxTasks` tasks are unfinished. @default 100000
   */
  readonly maxTasks?: number;
  /**
   * Called with each request's record (as `state().log` shows it) when the mock has decided
   * what to do with it: a fault injected, an answer sent. Lets a test wait on an event (e.g. a
   * `hang`) instead of polling `state()`. Throwing from it answers that request with a 500
   * (`MOCK_INTERNAL_ERROR`). Start only; not part of a patch. @default none
   */
  readonly onRequest?: (record: MockRequestRecord) => void;
}

/**
 * A change to a running mock: any option except `host`, `port` and `clock`. Keys are merged:
 * a key's fields replace the old ones, `null` removes the key. Lists (`faults`, `script`)
 * replace the old lists. Validated as a whole before anything changes.
 */
export type MockSolverPatch = Omit<
  MockSolverOptions,
  'host' | 'port' | 'clock' | 'onRequest' | 'keys'
> & {
  /** Keys to add or change; `null` removes a key. */
  readonly keys?: Readonly<Record<string, MockKeyOptions | null>>;
};

/** Per-key counters in {@link MockSolverState}. */
export interface MockKeyState {
  /** Configured thread limit. */
  readonly threads: number;
  /** Threads busy now. Never above `threads`. */
  readonly inFlight: number;
  /** Most threads busy at once. */
  readonly peakInFlight: number;
  /** Tasks accepted whose final answer the client has not fetched yet (and not expired). */
  readonly open: number;
  /** Most `open` tasks at once: the client's effective concurrency. */
  readonly peakOpen: number;
  /** Remaining balance. */
  readonly balance: number;
  /** in.php requests with this key. */
  readonly submits: number;
  /** Tasks created. */
  readonly accepted: number;
  /** Submits answered with the no-slot code. */
  readonly noSlot: number;
  /** res.php `get` requests. */
  readonly polls: number;
  /** Tokens delivered. */
  readonly solved: number;
  /** `ERROR_CAPTCHA_UNSOLVABLE` answers delivered. */
  readonly unsolvable: number;
  /** Whether this key was ever seen in a request URL (query string or path). */
  readonly keyInUrl: boolean;
  /** Submits received after this key was given a fatal-account answer. Should stay 0. */
  readonly submitsAfterFatal: number;
  /** Whether the key is banned now (submit burst or poll budget). */
  readonly banned: boolean;
}

/** Timing of polls, measured on the mock's clock in real (unscaled) ms. */
export interface MockPollTimings {
  /** Time from a task's creation to its first `get`, per task (first 10,000 tasks). */
  readonly firstPollDelays: readonly number[];
  /** Time between consecutive `get`s of the same task (first 10,000 gaps). */
  readonly gaps: readonly number[];
  /** Smallest first-poll delay seen, or `undefined`. */
  readonly minFirstPollDelay: number | undefined;
  /** Smallest gap seen, or `undefined`. */
  readonly minGap: number | undefined;
  /** Most `get`s one task received. */
  readonly maxPollsPerTask: number;
}

/** One recorded request (the key itself is never recorded). */
export interface MockRequestRecord {
  /** Mock clock ms since start. */
  readonly at: number;
  /** `'in'`, `'solve'`, `'res.get'`, `'res.getbalance'`, …, or `'res.other'`. */
  readonly route: string;
  /** HTTP method. */
  readonly method: string;
  /** Request content type without parameters, or `''`. */
  readonly contentType: string;
  /** Whether the request's URL carried an API key. */
  readonly keyInUrl: boolean;
  /** Task id involved, if any. */
  readonly taskId: number | undefined;
  /** The protocol answer (`'OK'` for `OK|…` / status 1), or `undefined` when none was sent. */
  readonly answer: string | undefined;
  /** The fault injected, if any. */
  readonly fault: MockFaultKind | undefined;
  /** The request's parameters except `key`; values longer than 100 characters are cut. */
  readonly params: Readonly<Record<string, string>>;
}

/** A snapshot of everything the mock recorded; see {@link MockSolver.state}. */
export interface MockSolverState {
  /** Provider profile in force. */
  readonly provider: MockProvider;
  /** Mock clock ms since start (or the last `reset()`). */
  readonly time: number;
  /** Requests per route: `in`, `solve`, `res.get`, `res.getbalance`, `res.reportgood`, `res.reportbad`, `res.get2`, `res.other`, `control`, `other`. */
  readonly routes: Readonly<Record<string, number>>;
  /** Answers sent, by code (`'OK'`, `'CAPCHA_NOT_READY'`, `'ERROR_…'`, `'OK_REPORT_RECORDED'` …). */
  readonly answers: Readonly<Record<string, number>>;
  /** Answers by route, then code. */
  readonly answersByRoute: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Faults injected, by kind. */
  readonly faults: Readonly<Partial<Record<MockFaultKind, number>>>;
  /** Task counts. */
  readonly tasks: {
    /** Tasks created by submits. */
    readonly created: number;
    /** Tokens delivered (first delivery per task). */
    readonly solved: number;
    /** Unsolvable answers delivered (first delivery per task). */
    readonly unsolvable: number;
    /** Tasks whose submit answer was lost by an `answer-lost` fault. */
    readonly lost: number;
    /** Tasks that expired before their answer was fetched. */
    readonly expired: number;
    /** Finished tasks forgotten before their `resultTtl` because more than `maxTasks` were kept. */
    readonly evicted: number;
    /** Tasks kept now (unfinished, and finished within their `resultTtl`). At most `maxTasks` while any of them is finished. */
    readonly held: number;
  };
  /** Polling timings. */
  readonly polls: MockPollTimings;
  /** Whether any API key (configured or not) ever appeared in a request URL. */
  readonly keyInUrl: boolean;
  /** Submits received, over all keys, after that key got a fatal-account answer. */
  readonly submitsAfterFatal: number;
  /** Bans imposed so far (bad key, submit burst, poll budget). */
  readonly bans: number;
  /** Per configured key. */
  readonly keys: Readonly<Record<string, MockKeyState>>;
  /** The most recent requests, oldest first (at most `logSize`, within `logBytes`). */
  readonly log: readonly MockRequestRecord[];
}

/** A running mock solver; see {@link startMockSolver}. */
export interface MockSolver {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash): `${url}/in.php`, `${url}/res.php`. */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  /** A snapshot of the recorded state (a fresh object each call). */
  state(): MockSolverState;
  /** Changes options while running; throws `TypeError`/`RangeError` and changes nothing on a bad patch. */
  configure(patch: MockSolverPatch): void;
  /** Forgets every task, counter, record, ban and unconsumed script; balances return to their configured values. */
  reset(): void;
  /** Stops listening, ends every connection (hanging ones included) and pending delay. Idempotent. */
  close(): Promise<void>;
  /** TCP connections open now (0 once `close()` has resolved): a leak check for this mock alone. */
  readonly connections: number;
}
