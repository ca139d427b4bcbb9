import type { Dispatcher } from 'undici';
import type { Clock } from '../internal/clock.js';
import type { ProviderName } from './provider.js';
import type { Task } from './task.js';

/** Options of `createSolver`. */
export interface SolverOptions {
  /** Which provider's error meanings to apply. @default 'captchaai' */
  provider?: ProviderName;
  /** The account key. Sent only in POST bodies; never shown in messages or `util.inspect`. */
  apiKey: string;
  /**
   * Where `in.php` and `res.php` live. Plain `http:` is refused unless the host is loopback or
   * `allowInsecure` is set. @default the provider's https endpoint
   */
  baseUrl?: string | URL;
  /** Allows plain `http:` to a non-loopback host (the key would cross the network in clear). @default false */
  allowInsecure?: boolean;
  /** An undici dispatcher (Pool, Agent, MockAgent…). The solver does not close one you pass. @default a Pool of `connections` */
  dispatcher?: Dispatcher;
  /** Sockets of the default Pool. @default 64 */
  connections?: number;
  /**
   * Milliseconds from submit to the first poll, or a function of the task.
   * @default 15 000 for reCAPTCHA v2 and hCaptcha, 10 000 for reCAPTCHA v3, 8 000 for Turnstile, 5 000 for images
   */
  firstPollDelay?: number | ((task: Task) => number);
  /** Milliseconds between polls. @default 5 000 */
  pollInterval?: number;
  /** Adds up to this fraction of `pollInterval` at random to each gap, so polls do not move in lockstep; never shortens a gap. From 0 to 1. @default 0.1 */
  pollJitter?: number;
  /**
   * Overall deadline per task in milliseconds, from the `solve()` call to the answer, submit
   * retries included. A hard limit: the request in flight is aborted when it passes.
   * @default 180 000 (90 000 for images)
   */
  timeout?: number;
  /**
   * Retries of a submit that failed `transient` (network error, timeout, 5xx, HTML page,
   * unreadable answer, 3xx), each after the failure's `retryAfter` (`transientDelay` or the
   * server's `Retry-After`), never past `timeout`. A lost answer may mean the service accepted
   * the task anyway (see `docs/solver.md`, "Which submit failures are repeated"); set 0 to
   * never repeat a submit. An integer from 0. @default 2
   */
  submitRetries?: number;
  /**
   * The wait suggested (as the error's `retryAfter`) after a transient failure: a network
   * error, a timeout, a 5xx, an HTML page, an empty or unreadable body. Polling waits at least
   * this long before the next poll. The providers advise 5 s. @default 5 000
   */
  transientDelay?: number;
  /**
   * Limit per HTTP request in milliseconds (connect, headers and body), in real time. A hard
   * limit: a timer aborts the request when it passes, even while a body trickles in.
   * @default 15 000
   */
  requestTimeout?: number;
  /** Answer format asked for (`json=1` or `json=0`); both are understood either way. @default 'json' */
  responseFormat?: 'json' | 'text';
  /**
   * After a `fatal-account` answer (wrong key, no funds on 2captcha, IP not allowed), refuse
   * further submits without a request, so a wrong key cannot earn an IP ban. @default true
   */
  stopOnFatal?: boolean;
  /** Time source for poll delays and the deadline. @default systemClock */
  clock?: Clock;
  /**
   * Random numbers in [0, 1): the only source of randomness of the solver (the poll jitter).
   * Pass a seeded generator (`seededRandom` from `backpressure-kit/testing`) for repeatable
   * poll times in tests. @default Math.random
   */
  random?: () => number;
}
