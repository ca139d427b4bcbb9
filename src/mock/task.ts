import type { KeyAccount } from './key-account.js';
import type { MockTaskType } from './types.js';

/** One accepted task. Times are on the mock's clock, in ms. */
export interface Task {
  readonly id: number;
  readonly account: KeyAccount;
  readonly type: MockTaskType;
  readonly createdAt: number;
  /** When the workers finish (solved or given up). */
  readonly solveAt: number;
  /** When the answer is forgotten (`ERROR_WRONG_CAPTCHA_ID` from then on). */
  readonly expiresAt: number;
  readonly outcome: 'solved' | 'unsolvable';
  /**
   * A scripted token, or `undefined`: generated tokens are derived from the id when delivered
   * rather than stored, so the thousands of tasks a benchmark keeps until they expire stay small.
   */
  readonly scriptedToken: string | undefined;
  /** Price charged (0 when unsolvable). */
  readonly price: number;
  /** The final answer has been fetched at least once. */
  delivered: boolean;
  /** The task occupies one of its key's threads. */
  holdsThread: boolean;
  /** The task still counts in its key's `open`. */
  open: boolean;
  /** res.php `get` requests for this task. */
  polls: number;
  /** Time of the last `get`, or `NaN`. */
  lastPollAt: number;
  /** A report was recorded for it. */
  reported: boolean;
}
