import { MockAgent } from 'undici';
import type { Clock } from '../../src/internal/clock.js';

/** Where `createSolver` sends requests by default; the agent answers for it. */
export const CAPTCHAAI_ORIGIN = 'https://ocr.captchaai.com';

/**
 * An undici `MockAgent` (no sockets) that plays the service: it accepts every submit as task
 * 77 and answers "not ready" to the first `notReady` polls, then `TOKEN`. `polls` collects the
 * `clock` time of every poll.
 */
export function pollingAgent(
  clock: Clock,
  notReady: number,
): { agent: MockAgent; polls: number[] } {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(CAPTCHAAI_ORIGIN);
  const polls: number[] = [];
  pool.intercept({ path: '/in.php', method: 'POST' }).reply(200, { status: 1, request: 77 });
  pool
    .intercept({ path: '/res.php', method: 'POST' })
    .reply(() => {
      polls.push(clock.now());
      return {
        statusCode: 200,
        data:
          polls.length > notReady
            ? { status: 1, request: 'TOKEN' }
            : { status: 0, request: 'CAPCHA_NOT_READY' },
      };
    })
    .persist();
  return { agent, polls };
}
