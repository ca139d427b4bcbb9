import type { MockPollBudget, MockProvider, MockSubmitBurstBan } from './types.js';

/** Where CaptchaAI and 2captcha differ; the defaults marked "by provider" in the options. */
export interface ProviderProfile {
  /** Answer to a submit beyond the key's threads. */
  readonly noSlotCode: string;
  /** Charged per solved task. */
  readonly costPerSolve: number;
  /** JSON submit answers carry the id as a number. */
  readonly idAsNumber: boolean;
  readonly submitBurst: MockSubmitBurstBan | false;
  readonly pollBudget: MockPollBudget | false;
  readonly maxImageBytes: number;
  /** Whether `res.php?action=get2` (token and price) exists. */
  readonly get2: boolean;
  /** Answers that mean "stop using this account": later submits with the key are recorded. */
  readonly fatalCodes: ReadonlySet<string>;
}

const commonFatal = ['ERROR_WRONG_USER_KEY', 'ERROR_KEY_DOES_NOT_EXIST', 'ERROR_IP_NOT_ALLOWED'];

/**
 * The two provider profiles. Sources: CaptchaAI's error table ("ERROR_ZERO_BALANCE: You don't
 * have free threads"), 2captcha API v1 (no funds; `MAX_USER_TURN`; the res.php budget).
 */
export const PROVIDER_PROFILES: Readonly<Record<MockProvider, ProviderProfile>> = {
  captchaai: {
    noSlotCode: 'ERROR_ZERO_BALANCE',
    costPerSolve: 0,
    idAsNumber: true,
    submitBurst: false,
    pollBudget: false,
    maxImageBytes: 1024 * 1024,
    get2: false,
    fatalCodes: new Set(commonFatal),
  },
  '2captcha': {
    noSlotCode: 'ERROR_NO_SLOT_AVAILABLE',
    costPerSolve: 0.001,
    idAsNumber: false,
    submitBurst: { limit: 60 },
    pollBudget: {},
    maxImageBytes: 600 * 1024,
    get2: true,
    fatalCodes: new Set([...commonFatal, 'ERROR_ZERO_BALANCE']),
  },
};
