import type { ProviderName } from './provider.js';
import type { SolverErrorKind } from './solver-error.js';

/** What a provider code means: its kind, a suggested wait, and a sentence for messages. */
export interface Classification {
  /** What to do about the code. */
  readonly kind: SolverErrorKind;
  /** Milliseconds to wait before the same request again, where the protocol implies one. */
  readonly retryAfter?: number;
  /** What the code means, in words. */
  readonly meaning: string;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

const c = (kind: SolverErrorKind, meaning: string, retryAfter?: number): Classification =>
  retryAfter === undefined ? { kind, meaning } : { kind, meaning, retryAfter };

/**
 * The codes both providers share, with the meaning from the 2captcha v1 and CaptchaAI error
 * tables (see `docs/solver.md`).
 */
const common: Readonly<Record<string, Classification>> = {
  CAPCHA_NOT_READY: c('not-ready', 'not solved yet'),
  CAPTCHA_NOT_READY: c('not-ready', 'not solved yet'),
  ERROR_WRONG_USER_KEY: c('fatal-account', 'the API key has the wrong format'),
  ERROR_KEY_DOES_NOT_EXIST: c('fatal-account', 'the API key does not exist (or has no plan)'),
  ERROR_IP_NOT_ALLOWED: c('fatal-account', 'this IP address is not on the allow-list'),
  ERROR_ZERO_BALANCE: c('fatal-account', 'the account has no funds'),
  ERROR_NO_SLOT_AVAILABLE: c('overload', 'no free slot for this task now', 5 * SECOND),
  ERROR_PAGEURL: c('fatal-item', 'pageurl is missing'),
  ERROR_WRONG_GOOGLEKEY: c('fatal-item', 'the sitekey is missing or blank'),
  ERROR_GOOGLEKEY: c('fatal-item', 'the sitekey is malformed'),
  ERROR_BAD_TOKEN_OR_PAGEURL: c('fatal-item', 'the sitekey and pageurl do not match'),
  ERROR_BAD_PARAMETERS: c('fatal-item', 'a required parameter is missing or malformed'),
  ERROR_ZERO_CAPTCHA_FILESIZE: c('fatal-item', 'the image is too small'),
  ERROR_TOO_BIG_CAPTCHA_FILESIZE: c('fatal-item', 'the image is too big'),
  ERROR_WRONG_FILE_EXTENSION: c('fatal-item', 'the image format is not supported'),
  ERROR_IMAGE_TYPE_NOT_SUPPORTED: c('fatal-item', 'the image type is not supported'),
  ERROR_UPLOAD: c('fatal-item', 'the image could not be read'),
  ERROR_CAPTCHAIMAGE_BLOCKED: c('fatal-item', 'the image is marked unrecognizable'),
  ERROR_PROXY_FORMAT: c('fatal-item', 'the proxy string is malformed'),
  ERROR_BAD_PROXY: c('fatal-item', 'the proxy is marked bad'),
  ERROR_PROXY_CONNECTION_FAILED: c(
    'fatal-item',
    'the worker could not load the captcha via the proxy',
  ),
  ERROR_DOMAIN_NOT_ALLOWED: c('fatal-item', 'this domain is not allowed'),
  ERROR_WRONG_CAPTCHA_ID: c('fatal-item', 'the task id is wrong or its result expired'),
  ERROR_NO_SUCH_CAPCHA_ID: c('fatal-item', 'the task id is unknown or its result expired'),
  ERROR_WRONG_ID_FORMAT: c('fatal-item', 'the task id is not numeric'),
  ERROR_EMPTY_ACTION: c('fatal-item', 'the action parameter is missing'),
  ERROR_TOKEN_EXPIRED: c('fatal-item', 'the challenge expired'),
  ERROR_REPORT_NOT_RECORDED: c('fatal-item', 'the report was refused'),
  ERROR_DUPLICATE_REPORT: c('fatal-item', 'the task was already reported'),
  ERROR_IP_ADDRES: c('fatal-item', 'the request came from another IP address'),
  ERROR_CAPTCHA_UNSOLVABLE: c('unsolvable', 'the workers could not solve this task'),
  ERROR_BAD_DUPLICATES: c('unsolvable', 'not enough matching answers'),
  ERROR_SERVER_ERROR: c('transient', 'server-side error'),
  ERROR_INTERNAL_SERVER_ERROR: c('transient', 'server-side error'),
  MAX_USER_TURN: c('rate-limited', 'too many submits in a short time', 10 * SECOND),
  IP_BANNED: c('rate-limited', 'this IP is banned after wrong-key attempts', 5 * MINUTE),
  TOO_MANY_BAD_IMAGES: c('rate-limited', 'too many unrecognizable images', 5 * MINUTE),
  'ERROR: 1001': c('rate-limited', 'blocked after too many no-slot answers', 10 * MINUTE),
  'ERROR: 1002': c('rate-limited', 'blocked after too many zero-balance answers', 5 * MINUTE),
  'ERROR: 1003': c('rate-limited', 'blocked: the queue of your tasks is too long', 30 * SECOND),
  'ERROR: 1004': c('rate-limited', 'this IP is blocked after wrong-key attempts', 10 * MINUTE),
  'ERROR: 1005': c('rate-limited', 'blocked after too many res.php requests', 5 * MINUTE),
};

/** Where a provider departs from the common table. */
const overrides: Readonly<Record<ProviderName, Readonly<Record<string, Classification>>>> = {
  // CaptchaAI sells threads: its error table says ERROR_ZERO_BALANCE means "no free threads".
  captchaai: {
    ERROR_ZERO_BALANCE: c('overload', 'no free threads on the plan now', 5 * SECOND),
  },
  '2captcha': {},
};

const rateLimitedNumber = /^ERROR: ?\d+$/;

/**
 * Classifies a provider's code (the `request` of a `status: 0` answer, or a text-mode answer).
 * Total: every string gets a kind. Codes not in the table: `ERROR: NNNN` is `rate-limited`
 * (60 s), other `ERROR…` codes are `fatal-item` (do not repeat a request the service refuses
 * for a reason we do not know), anything else is `transient` (not a protocol answer). A
 * `transient` code carries no `retryAfter` here: the solver applies its `transientDelay`
 * (5 s by default, as both providers advise).
 *
 * @example
 * ```ts
 * classifyCode('ERROR_ZERO_BALANCE', 'captchaai').kind; // 'overload'
 * classifyCode('ERROR_ZERO_BALANCE', '2captcha').kind;  // 'fatal-account'
 * ```
 */
export function classifyCode(code: string, provider: ProviderName): Classification {
  // hasOwn: codes come from the network, and `constructor` must not find a prototype member.
  const own = overrides[provider];
  if (Object.hasOwn(own, code)) return own[code]!;
  if (Object.hasOwn(common, code)) return common[code]!;
  if (rateLimitedNumber.test(code)) return c('rate-limited', 'temporarily blocked', MINUTE);
  if (code.startsWith('ERROR')) return c('fatal-item', 'refused for an unknown reason');
  return c('transient', 'not a protocol answer');
}

/**
 * Every code the table knows, for docs and tests.
 *
 * @example
 * ```ts
 * knownCodes().includes('ERROR_NO_SLOT_AVAILABLE'); // true
 * ```
 */
export function knownCodes(): string[] {
  return Object.keys(common);
}
