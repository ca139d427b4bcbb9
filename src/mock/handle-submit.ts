import { checkAccess } from './check-access.js';
import { checkImage } from './image-check.js';
import { sampleLatency } from './latency.js';
import type { MockEngine } from './mock-engine.js';
import { type Answer, errorAnswer, okAnswer } from './reply.js';
import type { RequestParams } from './request-params.js';
import type { Task } from './task.js';
import type { MockTaskType } from './types.js';

/** What a submit asks for: a task type, or the error code that rejects its parameters. */
function taskType(fields: Record<string, string>): MockTaskType | { error: string } {
  const method = fields.method;
  switch (method) {
    case 'userrecaptcha': {
      if (!fields.googlekey) return { error: 'ERROR_WRONG_GOOGLEKEY' };
      if (/\s/.test(fields.googlekey)) return { error: 'ERROR_GOOGLEKEY' };
      if (!fields.pageurl) return { error: 'ERROR_PAGEURL' };
      const version = fields.version ?? 'v2';
      if (version !== 'v2' && version !== 'v3') return { error: 'ERROR_BAD_PARAMETERS' };
      if (version === 'v3' && fields.min_score !== undefined) {
        const score = Number(fields.min_score);
        if (!(score >= 0.1 && score <= 0.9)) return { error: 'ERROR_BAD_PARAMETERS' };
      }
      return version === 'v3' ? 'recaptcha-v3' : 'recaptcha-v2';
    }
    case 'hcaptcha':
    case 'turnstile':
      if (!fields.sitekey) return { error: 'ERROR_BAD_PARAMETERS' };
      if (!fields.pageurl) return { error: 'ERROR_PAGEURL' };
      return method;
    case 'base64':
    case 'post':
      return 'image';
    default:
      return { error: 'ERROR_BAD_PARAMETERS' };
  }
}

/**
 * `in.php`: checks in the services' order (IP ban, key, submit burst, balance, threads,
 * parameters, image) and creates a task with its latency and outcome drawn up front.
 */
export function handleSubmit(
  engine: MockEngine,
  request: RequestParams,
  ip: string,
  now: number,
  json: boolean,
): Answer {
  const { fields } = request;
  const key = fields.key ?? '';
  const config = engine.config;
  const access = checkAccess(engine, key, ip, now);
  if (!('threads' in access)) return access;
  const account = access;

  const burst = config.submitBurst;
  if (burst) {
    if (account.submitBannedUntil > now) return errorAnswer(burst.code);
    if (account.burstExceeded(now, burst.limit, engine.scaled(burst.window))) {
      account.submitBannedUntil = now + engine.scaled(burst.duration);
      account.resetBurst();
      engine.recorder.bans++;
      return errorAnswer(burst.code);
    }
  }
  if (config.costPerSolve > 0 && account.balance < config.costPerSolve) {
    return errorAnswer('ERROR_ZERO_BALANCE');
  }
  account.releaseDue(now);
  if (!account.hasFreeThread()) {
    account.noSlot++;
    return errorAnswer(config.noSlotCode);
  }
  const type = taskType(fields);
  if (typeof type === 'object') return errorAnswer(type.error);
  if (type === 'image') {
    const error = checkImage(
      fields.method === 'post' ? request.file : fields.body,
      config.minImageBytes,
      config.maxImageBytes,
    );
    if (error) return errorAnswer(error);
  }

  const script = account.script?.nextTask() ?? engine.script?.nextTask();
  // Both draws always happen, so a scripted task does not shift the streams of later ones.
  const drawnLatency = sampleLatency(config.latency[type], engine.latencyRandom);
  const drawnUnsolvable = engine.outcomeRandom() < config.unsolvableRate;
  const outcome = script?.outcome ?? (drawnUnsolvable ? 'unsolvable' : 'solved');
  const solveAt = now + engine.scaled(script?.latency ?? drawnLatency);
  const id = engine.store.nextId();
  const price = outcome === 'solved' ? config.costPerSolve : 0;
  const task: Task = {
    id,
    account,
    type,
    createdAt: now,
    solveAt,
    expiresAt: solveAt + engine.scaled(config.resultTtl),
    outcome,
    scriptedToken: script?.token,
    price,
    delivered: false,
    holdsThread: false,
    open: false,
    polls: 0,
    lastPollAt: Number.NaN,
    reported: false,
  };
  account.balance -= price;
  engine.store.add(task);
  account.occupy(task, config.releaseThreadOn === 'solve' ? solveAt : task.expiresAt);
  account.accepted++;
  account.budgetSubmits++;
  engine.recorder.created++;
  // Last, once the task is fully accounted: the store may now drop it (a zero TTL) or older ones.
  engine.tick(now);
  return okAnswer(json && config.idAsNumber ? id : String(id), id);
}
