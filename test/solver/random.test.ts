import { describe, expect, it } from 'vitest';
import { createSolver } from '../../src/solver/index.js';
import { seededRandom } from '../../src/testing/seeded-random.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { drive } from './fake-server.js';
import { pollingAgent } from './polling-agent.js';

/** Solves one task that is "not ready" `notReady` times; returns the virtual times of its polls. */
async function pollTimes(random: () => number, notReady = 8): Promise<number[]> {
  const clock = new VirtualClock();
  const { agent, polls } = pollingAgent(clock, notReady);
  const solver = createSolver({
    apiKey: 'k'.repeat(32),
    dispatcher: agent,
    clock,
    random,
    firstPollDelay: 1_000,
    pollInterval: 1_000,
    pollJitter: 0.5,
  });
  try {
    await drive(clock, solver.solve({ type: 'image', body: 'AAAA' }));
    return polls;
  } finally {
    await solver.close();
    await agent.close();
  }
}

describe('createSolver random', () => {
  it('a seeded random makes the poll jitter repeatable: same seed, same poll times', async () => {
    const a = await pollTimes(seededRandom(42));
    const b = await pollTimes(seededRandom(42));
    const c = await pollTimes(seededRandom(43));
    expect(a).toHaveLength(9);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('every gap is pollInterval × (1 + random() × pollJitter): random is the only source', async () => {
    const draws: number[] = [];
    const seeded = seededRandom(7);
    const random = () => {
      const x = seeded();
      draws.push(x);
      return x;
    };
    const polls = await pollTimes(random);
    const gaps = polls.slice(1).map((at, i) => at - polls[i]!);
    expect(draws).toHaveLength(gaps.length);
    expect(gaps).toEqual(draws.map((x) => 1_000 * (1 + x * 0.5)));
  });

  it('random must be a function', () => {
    expect(() => createSolver({ apiKey: 'k'.repeat(32), random: 0.5 as never })).toThrow(
      expect.objectContaining({ code: 'ERR_BPK_INVALID_OPTION_TYPE', option: 'random' }),
    );
  });
});
