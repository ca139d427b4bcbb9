import { InvalidOptionTypeError, InvalidOptionValueError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import {
  boolean,
  clock as clockOption,
  func,
  integer,
  number,
  object,
  oneOf,
  optional,
  string,
} from '../internal/validate.js';
import { DEFAULT_MOCK_KEY } from './constants.js';
import {
  DEFAULT_LATENCY,
  type LatencyDistribution,
  resolveLatency,
  resolveLatencyTable,
  TASK_TYPES,
} from './latency.js';
import { PROVIDER_PROFILES, type ProviderProfile } from './provider-profile.js';
import type {
  MockFaultKind,
  MockFaultParameters,
  MockKeyOptions,
  MockProvider,
  MockRequestRecord,
  MockRoute,
  MockSolverOptions,
  MockSolverPatch,
  MockTaskScript,
  MockTaskType,
} from './types.js';

/** Every fault kind, for validation. */
export const FAULT_KINDS: readonly MockFaultKind[] = [
  'html-5xx',
  'http-429',
  'malformed-json',
  'empty-body',
  'api-error',
  'slow-headers',
  'slow-body',
  'hang',
  'reset',
  'answer-lost',
];

/** A fault with every parameter filled in. */
export interface ResolvedFaultParameters {
  readonly kind: MockFaultKind;
  readonly status: number;
  readonly delay: number;
  readonly code: string;
  readonly retryAfter: number;
}

/** A random fault with every field filled in. */
export interface ResolvedFault extends ResolvedFaultParameters {
  readonly rate: number;
  readonly route: MockRoute;
  readonly action: string | undefined;
  readonly key: string | undefined;
  readonly times: number;
}

/** A validated script step. */
export type ResolvedStep =
  | { readonly type: 'pass' }
  | { readonly type: 'answer'; readonly code: string }
  | { readonly type: 'fault'; readonly fault: ResolvedFaultParameters };

/** A validated script. */
export interface ResolvedScript {
  readonly in: readonly ResolvedStep[];
  readonly res: readonly ResolvedStep[];
  readonly tasks: readonly MockTaskScript[];
}

/** A validated key. */
export interface ResolvedKey {
  readonly threads: number;
  readonly balance: number;
  readonly script: ResolvedScript | undefined;
}

/** Validated options; durations are in ms before `timeScale`. */
export interface MockConfig {
  readonly provider: MockProvider;
  readonly profile: ProviderProfile;
  readonly keys: ReadonlyMap<string, ResolvedKey>;
  readonly seed: number;
  readonly timeScale: number;
  readonly latency: Readonly<Record<MockTaskType, LatencyDistribution>>;
  readonly unsolvableRate: number;
  readonly noSlotCode: string;
  readonly releaseThreadOn: 'solve' | 'fetch';
  readonly costPerSolve: number;
  readonly resultTtl: number;
  readonly reportWindow: number;
  readonly notReadyText: 'CAPCHA_NOT_READY' | 'CAPTCHA_NOT_READY';
  readonly idAsNumber: boolean;
  readonly badKeyBan: Readonly<{
    attempts: number;
    window: number;
    duration: number;
    code: string;
  }> | null;
  readonly submitBurst: Readonly<{
    limit: number;
    window: number;
    duration: number;
    code: string;
  }> | null;
  readonly pollBudget: Readonly<{
    perSubmit: number;
    base: number;
    duration: number;
    code: string;
  }> | null;
  readonly minImageBytes: number;
  readonly maxImageBytes: number;
  readonly faults: readonly ResolvedFault[];
  readonly script: ResolvedScript | undefined;
  readonly logSize: number;
  readonly logBytes: number;
  readonly maxTasks: number;
}

const OPTION_NAMES = new Set([
  'host',
  'port',
  'provider',
  'keys',
  'seed',
  'timeScale',
  'clock',
  'latency',
  'unsolvableRate',
  'noSlotCode',
  'releaseThreadOn',
  'costPerSolve',
  'resultTtl',
  'reportWindow',
  'notReadyText',
  'idAsNumber',
  'badKeyBan',
  'submitBurst',
  'pollBudget',
  'minImageBytes',
  'maxImageBytes',
  'faults',
  'script',
  'logSize',
  'logBytes',
  'maxTasks',
  'onRequest',
]);

function rejectUnknown(option: string, value: object, known: ReadonlySet<string>): void {
  for (const name of Object.keys(value)) {
    if (!known.has(name)) {
      throw new InvalidOptionValueError({
        option: option === '' ? name : `${option}.${name}`,
        expected: `absent (not an option; known: ${[...known].join(', ')})`,
        received: (value as Record<string, unknown>)[name],
      });
    }
  }
}

function array(option: string, value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) {
    throw new InvalidOptionTypeError({ option, expected: 'an array', received: value });
  }
  return value;
}

const FAULT_PARAMETER_NAMES = new Set(['kind', 'status', 'delay', 'code', 'retryAfter']);
const FAULT_NAMES = new Set([...FAULT_PARAMETER_NAMES, 'rate', 'route', 'action', 'key', 'times']);

function resolveFaultParameters(
  option: string,
  value: MockFaultParameters,
): ResolvedFaultParameters {
  return {
    kind: oneOf(`${option}.kind`, value.kind, FAULT_KINDS),
    status: optional(value.status, 502, (v) =>
      integer(`${option}.status`, v, { min: 500, max: 599 }),
    ),
    delay: optional(value.delay, 5_000, (v) => number(`${option}.delay`, v, { min: 0 })),
    code: optional(value.code, 'ERROR_SERVER_ERROR', (v) =>
      string(`${option}.code`, v, { nonEmpty: true }),
    ),
    retryAfter: optional(value.retryAfter, 5, (v) =>
      integer(`${option}.retryAfter`, v, { min: 0 }),
    ),
  };
}

function resolveFault(option: string, value: unknown): ResolvedFault {
  const v = object<Record<string, unknown>>(option, value);
  rejectUnknown(option, v, FAULT_NAMES);
  return {
    ...resolveFaultParameters(option, v as unknown as MockFaultParameters),
    rate: optional(v.rate, 1, (x) => number(`${option}.rate`, x, { min: 0, max: 1 })),
    route: optional(v.route, 'any', (x) => oneOf(`${option}.route`, x, ['in', 'res', 'any'])),
    action: optional<string | undefined>(v.action, undefined, (x) =>
      string(`${option}.action`, x, { nonEmpty: true }),
    ),
    key: optional<string | undefined>(v.key, undefined, (x) =>
      string(`${option}.key`, x, { nonEmpty: true }),
    ),
    times: optional(v.times, Number.POSITIVE_INFINITY, (x) =>
      integer(`${option}.times`, x, { min: 1, allowInfinity: true }),
    ),
  };
}

function resolveFaults(option: string, value: unknown): ResolvedFault[] {
  const faults = array(option, value).map((f, i) => resolveFault(`${option}[${i}]`, f));
  // One draw per request picks at most one fault, so unfiltered rates must fit in [0, 1].
  for (const route of ['in', 'res'] as const) {
    let sum = 0;
    for (const f of faults) {
      if ((f.route === route || f.route === 'any') && f.key === undefined && f.action === undefined)
        sum += f.rate;
    }
    if (sum > 1 + 1e-9) {
      throw new InvalidOptionValueError({
        option: `${option}[].rate`,
        expected: `rates that add up to at most 1 for the faults on ${route}.php`,
        received: sum,
      });
    }
  }
  return faults;
}

function resolveStep(option: string, value: unknown): ResolvedStep {
  if (typeof value === 'string') {
    if (value.length === 0) {
      throw new InvalidOptionValueError({
        option,
        expected: "'OK', an answer code or { fault }",
        received: value,
      });
    }
    return value === 'OK' ? { type: 'pass' } : { type: 'answer', code: value };
  }
  const v = object<Record<string, unknown>>(option, value);
  rejectUnknown(option, v, new Set(['fault']));
  const fault = object<Record<string, unknown>>(`${option}.fault`, v.fault);
  rejectUnknown(`${option}.fault`, fault, FAULT_PARAMETER_NAMES);
  return {
    type: 'fault',
    fault: resolveFaultParameters(`${option}.fault`, fault as unknown as MockFaultParameters),
  };
}

function resolveTaskScript(option: string, value: unknown): MockTaskScript {
  const v = object<Record<string, unknown>>(option, value);
  rejectUnknown(option, v, new Set(['outcome', 'token', 'latency']));
  const out: { outcome?: 'solved' | 'unsolvable'; token?: string; latency?: number } = {};
  if (v.outcome !== undefined)
    out.outcome = oneOf(`${option}.outcome`, v.outcome, ['solved', 'unsolvable']);
  if (v.token !== undefined) out.token = string(`${option}.token`, v.token, { nonEmpty: true });
  if (v.latency !== undefined) out.latency = number(`${option}.latency`, v.latency, { min: 0 });
  return out;
}

function resolveScript(option: string, value: unknown): ResolvedScript {
  const v = object<Record<string, unknown>>(option, value);
  rejectUnknown(option, v, new Set(['in', 'res', 'tasks']));
  const steps = (name: 'in' | 'res'): ResolvedStep[] =>
    v[name] === undefined
      ? []
      : array(`${option}.${name}`, v[name]).map((s, i) =>
          resolveStep(`${option}.${name}[${i}]`, s),
        );
  return {
    in: steps('in'),
    res: steps('res'),
    tasks:
      v.tasks === undefined
        ? []
        : array(`${option}.tasks`, v.tasks).map((t, i) =>
            resolveTaskScript(`${option}.tasks[${i}]`, t),
          ),
  };
}

function resolveKeys(value: unknown): Map<string, ResolvedKey> {
  const keys = object<Record<string, unknown>>('keys', value);
  const out = new Map<string, ResolvedKey>();
  let i = 0;
  for (const [key, plan] of Object.entries(keys)) {
    // The key is a secret: option names use its position, never its text.
    const option = `keys[${i++}]`;
    if (key.length === 0 || /\s/.test(key)) {
      throw new InvalidOptionValueError({
        option,
        expected: 'a key without whitespace',
        received: '(hidden)',
      });
    }
    const p = object<MockKeyOptions & Record<string, unknown>>(option, plan);
    rejectUnknown(option, p, new Set(['threads', 'balance', 'script']));
    out.set(key, {
      threads: optional(p.threads, 10, (v) =>
        integer(`${option}.threads`, v, { min: 0, allowInfinity: true }),
      ),
      balance: optional(p.balance, 10, (v) => number(`${option}.balance`, v, { min: 0 })),
      script: optional<ResolvedScript | undefined>(p.script, undefined, (v) =>
        resolveScript(`${option}.script`, v),
      ),
    });
  }
  return out;
}

function resolveBan<T extends Record<string, number | string>>(
  option: string,
  value: unknown,
  defaults: T,
  required: keyof T | undefined,
): T | null {
  if (value === false) return null;
  const v = object<Record<string, unknown>>(option, value);
  rejectUnknown(option, v, new Set(Object.keys(defaults)));
  const out: Record<string, number | string> = {};
  for (const [name, fallback] of Object.entries(defaults)) {
    const given = v[name];
    if (given === undefined && name === required) {
      throw new InvalidOptionTypeError({
        option: `${option}.${name}`,
        expected: 'an integer from 1 and up',
        received: given,
      });
    }
    out[name] =
      given === undefined
        ? fallback
        : typeof fallback === 'string'
          ? string(`${option}.${name}`, given, { nonEmpty: true })
          : name === 'window' || name === 'duration'
            ? number(`${option}.${name}`, given, { min: 0 })
            : integer(`${option}.${name}`, given, {
                min: name === 'perSubmit' || name === 'base' ? 0 : 1,
              });
  }
  return out as T;
}

/** The start-only options. */
export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly clock: Clock | undefined;
  readonly onRequest: ((record: MockRequestRecord) => void) | undefined;
}

/** Validates the options only `startMockSolver` takes. */
export function resolveListenOptions(options: MockSolverOptions): ListenOptions {
  return {
    host: optional(options.host, '127.0.0.1', (v) => string('host', v, { nonEmpty: true })),
    port: optional(options.port, 0, (v) => integer('port', v, { min: 0, max: 65_535 })),
    clock: optional<Clock | undefined>(options.clock, undefined, (v) => clockOption('clock', v)),
    onRequest: optional<((record: MockRequestRecord) => void) | undefined>(
      options.onRequest,
      undefined,
      (v) => func<(record: MockRequestRecord) => void>('onRequest', v),
    ),
  };
}

/**
 * Validates every option (unknown names included) and fills in the defaults of the provider
 * profile. Throws `TypeError` / `RangeError` naming the dotted option.
 */
export function resolveOptions(options: unknown): MockConfig {
  const o = object<MockSolverOptions & Record<string, unknown>>('options', options);
  rejectUnknown('', o, OPTION_NAMES);
  resolveListenOptions(o);
  const provider = optional<MockProvider>(o.provider, 'captchaai', (v) =>
    oneOf('provider', v, ['captchaai', '2captcha']),
  );
  const profile = PROVIDER_PROFILES[provider];
  const timeScale = optional(o.timeScale, 1, (v) => number('timeScale', v, { min: 0 }));
  if (timeScale === 0) {
    throw new InvalidOptionValueError({
      option: 'timeScale',
      expected: 'a number above 0 (use latency: 0 for instant solves)',
      received: 0,
    });
  }
  const baseLatency = Object.fromEntries(
    TASK_TYPES.map((t) => [t, resolveLatency(`latency.${t}`, DEFAULT_LATENCY[t])]),
  ) as Record<MockTaskType, LatencyDistribution>;
  const minImageBytes = optional(o.minImageBytes, 100, (v) =>
    integer('minImageBytes', v, { min: 1 }),
  );
  return {
    provider,
    profile,
    keys: optional(
      o.keys,
      new Map([[DEFAULT_MOCK_KEY, { threads: 10, balance: 10, script: undefined }]]),
      resolveKeys,
    ),
    seed: optional(o.seed, 1, (v) => integer('seed', v, { min: 0, max: 2 ** 32 - 1 })),
    timeScale,
    latency: optional(o.latency, baseLatency, (v) =>
      resolveLatencyTable('latency', v, baseLatency),
    ),
    unsolvableRate: optional(o.unsolvableRate, 0, (v) =>
      number('unsolvableRate', v, { min: 0, max: 1 }),
    ),
    noSlotCode: optional(o.noSlotCode, profile.noSlotCode, (v) =>
      string('noSlotCode', v, { nonEmpty: true }),
    ),
    releaseThreadOn: optional<'solve' | 'fetch'>(o.releaseThreadOn, 'solve', (v) =>
      oneOf('releaseThreadOn', v, ['solve', 'fetch']),
    ),
    costPerSolve: optional(o.costPerSolve, profile.costPerSolve, (v) =>
      number('costPerSolve', v, { min: 0 }),
    ),
    resultTtl: optional(o.resultTtl, 300_000, (v) => number('resultTtl', v, { min: 0 })),
    reportWindow: optional(o.reportWindow, 900_000, (v) => number('reportWindow', v, { min: 0 })),
    notReadyText: optional<'CAPCHA_NOT_READY' | 'CAPTCHA_NOT_READY'>(
      o.notReadyText,
      'CAPCHA_NOT_READY',
      (v) => oneOf('notReadyText', v, ['CAPCHA_NOT_READY', 'CAPTCHA_NOT_READY']),
    ),
    idAsNumber: optional(o.idAsNumber, profile.idAsNumber, (v) => boolean('idAsNumber', v)),
    badKeyBan: resolveBan(
      'badKeyBan',
      o.badKeyBan ?? {},
      { attempts: 5, window: 60_000, duration: 300_000, code: 'IP_BANNED' },
      undefined,
    ),
    submitBurst: resolveBan(
      'submitBurst',
      o.submitBurst ?? profile.submitBurst,
      { limit: 60, window: 3_000, duration: 10_000, code: 'MAX_USER_TURN' },
      'limit',
    ),
    pollBudget: resolveBan(
      'pollBudget',
      o.pollBudget ?? profile.pollBudget,
      { perSubmit: 20, base: 1_200, duration: 300_000, code: 'ERROR: 1005' },
      undefined,
    ),
    minImageBytes,
    maxImageBytes: optional(o.maxImageBytes, profile.maxImageBytes, (v) =>
      integer('maxImageBytes', v, { min: minImageBytes }),
    ),
    faults: optional<ResolvedFault[]>(o.faults, [], (v) => resolveFaults('faults', v)),
    script: optional<ResolvedScript | undefined>(o.script, undefined, (v) =>
      resolveScript('script', v),
    ),
    logSize: optional(o.logSize, 1_000, (v) => integer('logSize', v, { min: 0 })),
    logBytes: optional(o.logBytes, 1024 * 1024, (v) => integer('logBytes', v, { min: 0 })),
    maxTasks: optional(o.maxTasks, 100_000, (v) => integer('maxTasks', v, { min: 1 })),
  };
}

/**
 * Applies a patch to the options a mock was started with and returns the merged options
 * (not yet validated). Keys merge field by field; `null` removes a key.
 */
export function mergeOptions(base: MockSolverOptions, patch: unknown): MockSolverOptions {
  const p = object<MockSolverPatch & Record<string, unknown>>('patch', patch);
  for (const name of ['host', 'port', 'clock', 'onRequest'] as const) {
    if (p[name] !== undefined) {
      throw new InvalidOptionValueError({
        option: `patch.${name}`,
        expected: 'absent (it can only be set when the mock starts)',
        received: p[name],
      });
    }
  }
  const merged: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(p)) {
    if (name === 'keys' || value === undefined) continue;
    merged[name] = value;
  }
  if (p.keys !== undefined) {
    const patchKeys = object<Record<string, MockKeyOptions | null>>('patch.keys', p.keys);
    const keys: Record<string, MockKeyOptions> = {
      ...(base.keys ?? { [DEFAULT_MOCK_KEY]: {} }),
    };
    for (const [key, plan] of Object.entries(patchKeys)) {
      if (plan === null) delete keys[key];
      else keys[key] = { ...keys[key], ...plan };
    }
    merged.keys = keys;
  }
  return merged as MockSolverOptions;
}
