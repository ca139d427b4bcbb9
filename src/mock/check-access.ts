import type { KeyAccount } from './key-account.js';
import type { MockEngine } from './mock-engine.js';
import { type Answer, errorAnswer } from './reply.js';

// Real keys are 32 alphanumeric characters; anything else is "wrong", not "unknown".
const KEY_FORMAT = /^[A-Za-z0-9]{32}$/;

/**
 * The checks both endpoints make first: IP ban, then the key. A bad key counts towards the
 * IP's bad-key ban. Returns the key's account, or the answer that refuses the request.
 */
export function checkAccess(
  engine: MockEngine,
  key: string,
  ip: string,
  now: number,
): KeyAccount | Answer {
  const ban = engine.config.badKeyBan;
  if (ban && engine.ipGuard.isBanned(ip, now)) return errorAnswer(ban.code);
  const account = engine.accounts.get(key);
  if (account) return account;
  if (
    ban &&
    engine.ipGuard.strike(
      ip,
      now,
      ban.attempts,
      engine.scaled(ban.window),
      engine.scaled(ban.duration),
    )
  ) {
    engine.recorder.bans++;
  }
  return errorAnswer(KEY_FORMAT.test(key) ? 'ERROR_KEY_DOES_NOT_EXIST' : 'ERROR_WRONG_USER_KEY');
}
