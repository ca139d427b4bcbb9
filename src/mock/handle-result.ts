import { checkAccess } from './check-access.js';
import type { KeyAccount } from './key-account.js';
import type { MockEngine } from './mock-engine.js';
import { type Answer, errorAnswer, okAnswer } from './reply.js';
import type { Task } from './task.js';

/** Looks a task up by the `id` parameter, or returns the error the services give. */
function findTask(engine: MockEngine, account: KeyAccount, id: string | undefined): Task | Answer {
  if (id === undefined || !/^\d{1,15}$/.test(id)) return errorAnswer('ERROR_WRONG_ID_FORMAT');
  const task = engine.store.get(Number(id));
  // Another key's task is as unknown as a made-up id.
  if (!task || task.account !== account) return errorAnswer('ERROR_WRONG_CAPTCHA_ID');
  return task;
}

function isTask(value: Task | Answer): value is Task {
  return 'solveAt' in value;
}

function poll(engine: MockEngine, task: Task, now: number): Answer {
  const first = task.polls === 0;
  engine.recorder.poll(first, now - (first ? task.createdAt : task.lastPollAt), ++task.polls);
  task.lastPollAt = now;
  if (now < task.solveAt) return errorAnswer(engine.config.notReadyText, task.id);
  return deliver(engine, task);
}

/** The final answer of a finished task; the first delivery is counted and closes the task. */
export function deliver(engine: MockEngine, task: Task): Answer {
  const account = task.account;
  if (!task.delivered) {
    task.delivered = true;
    if (task.outcome === 'solved') {
      account.solved++;
      engine.recorder.solved++;
    } else {
      account.unsolvable++;
      engine.recorder.unsolvable++;
    }
  }
  account.close(task);
  if (task.outcome === 'unsolvable') return errorAnswer('ERROR_CAPTCHA_UNSOLVABLE', task.id);
  return okAnswer(task.scriptedToken ?? engine.token(task.type, task.id), task.id);
}

/**
 * `action=get&ids=1,2,3`: one poll of each task, answered in order and joined by `|`, each as
 * its own `get` would answer without the `OK|` prefix (`token|CAPCHA_NOT_READY|ERROR_…`), the
 * form 2captcha's batch clients split. JSON mode wraps the same text in `request` (status 1).
 */
function pollBatch(engine: MockEngine, account: KeyAccount, ids: string, now: number): Answer {
  const parts: string[] = [];
  for (const id of ids.split(',')) {
    const task = findTask(engine, account, id.trim());
    const answer = isTask(task) ? poll(engine, task, now) : task;
    parts.push(answer.status === 1 ? String(answer.request) : answer.code);
  }
  const text = parts.join('|');
  return { status: 1, request: text, text, code: 'OK' };
}

function report(engine: MockEngine, task: Task, now: number): Answer {
  if (task.reported) return errorAnswer('ERROR_DUPLICATE_REPORT', task.id);
  const tooLate = now - task.createdAt > engine.scaled(engine.config.reportWindow);
  if (tooLate || !task.delivered || task.outcome !== 'solved') {
    return errorAnswer('ERROR_REPORT_NOT_RECORDED', task.id);
  }
  task.reported = true;
  return {
    status: 1,
    request: 'OK_REPORT_RECORDED',
    text: 'OK_REPORT_RECORDED',
    code: 'OK_REPORT_RECORDED',
    taskId: task.id,
  };
}

/**
 * `res.php`: `get` (one `id`, or a batch of `ids`; and 2captcha's `get2`), `getbalance`,
 * `reportgood`, `reportbad`, after the IP ban, key and poll-budget checks.
 */
export function handleResult(
  engine: MockEngine,
  fields: Record<string, string>,
  ip: string,
  now: number,
): Answer {
  const action = fields.action;
  if (!action) return errorAnswer('ERROR_EMPTY_ACTION');
  const access = checkAccess(engine, fields.key ?? '', ip, now);
  if (!('threads' in access)) return access;
  const account = access;

  const budget = engine.config.pollBudget;
  if (budget) {
    if (account.pollBannedUntil > now) return errorAnswer(budget.code);
    if (++account.budgetPolls > budget.perSubmit * account.budgetSubmits + budget.base) {
      account.pollBannedUntil = now + engine.scaled(budget.duration);
      account.budgetPolls = 0;
      account.budgetSubmits = 0;
      engine.recorder.bans++;
      return errorAnswer(budget.code);
    }
  }

  switch (action) {
    case 'get':
    case 'get2': {
      if (action === 'get2' && !engine.config.profile.get2)
        return errorAnswer('ERROR_BAD_PARAMETERS');
      account.polls++;
      if (action === 'get' && fields.ids) return pollBatch(engine, account, fields.ids, now);
      const task = findTask(engine, account, fields.id);
      if (!isTask(task)) return task;
      const answer = poll(engine, task, now);
      if (action === 'get' || answer.status === 0) return answer;
      const price = task.price.toFixed(5);
      return { ...answer, text: `${answer.text}|${price}`, extra: { price } };
    }
    case 'getbalance': {
      const balance = Math.max(0, account.balance).toFixed(5);
      return { status: 1, request: balance, text: balance, code: 'OK' };
    }
    case 'reportgood':
    case 'reportbad': {
      const task = findTask(engine, account, fields.id);
      return isTask(task) ? report(engine, task, now) : task;
    }
    default:
      return errorAnswer('ERROR_BAD_PARAMETERS');
  }
}
