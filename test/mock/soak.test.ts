import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { FaultPicker } from '../../src/mock/fault-picker.js';
import { type MockRequestRecord, startMockSolver } from '../../src/mock/index.js';
import { createRandom } from '../../src/mock/random.js';
import { FAULT_KINDS, resolveOptions } from '../../src/mock/resolve-options.js';
import { KEY } from './helpers.js';

const SEED = 7;
const WORKERS = 50;
const TASKS_PER_WORKER = 8;
const faults = FAULT_KINDS.map((kind) => ({ kind, rate: 0.05, delay: 5_000 }));

/**
 * The faults the mock's seeded stream gives to its first `draws` requests, whatever order
 * they arrive in: with only unfiltered faults, the n-th request to in.php/res.php gets the
 * n-th draw, so the counts depend on the number of requests, never on timing.
 */
function expectedFaults(draws: number): Record<string, number> {
  const config = resolveOptions({ seed: SEED, faults });
  const picker = new FaultPicker(config.faults, createRandom(SEED, 'fault'));
  const counts: Record<string, number> = {};
  for (let i = 0; i < draws; i++) {
    const kind = picker.pick('in', undefined, KEY)?.kind;
    if (kind) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** Draws after which every fault kind has fired at least once, for this seed. */
function drawsUntilEveryKind(): number {
  for (let n = 1; n < 100_000; n++) {
    if (Object.keys(expectedFaults(n)).length === FAULT_KINDS.length) return n;
  }
  throw new Error('some fault kind never fires');
}

describe('soak', () => {
  it('5% of every fault kind under concurrent load: every request, task and fault accounted for from the mock’s own records', async () => {
    // Each request carries its own id; the mock's records say what happened to it. A `hang`
    // is ended when its record arrives (an event), never by a client timeout.
    const inFlight = new Map<string, AbortController>();
    const records = new Map<string, MockRequestRecord>();
    const onRequest = (record: MockRequestRecord): void => {
      const rid = record.params.rid;
      if (rid === undefined) return;
      expect(records.has(rid)).toBe(false); // each request is recorded once
      records.set(rid, record);
      if (record.fault === 'hang') inFlight.get(rid)?.abort();
    };
    const mock = await startMockSolver({
      keys: { [KEY]: { threads: Number.POSITIVE_INFINITY } },
      timeScale: 0.001,
      latency: { distribution: 'uniform', min: 0, max: 20_000 },
      unsolvableRate: 0.2,
      resultTtl: 1e9, // nothing expires during the run: every task stays accountable
      faults,
      seed: SEED,
      logSize: 0,
      onRequest,
    });
    const agent = new Agent({ connections: WORKERS });
    const failed = new Set<string>();
    const answered = new Set<string>();
    let sent = 0;
    let submitsAnsweredOk = 0;
    const post = async (
      path: string,
      body: Record<string, string>,
    ): Promise<string | undefined> => {
      const rid = String(++sent);
      const controller = new AbortController();
      inFlight.set(rid, controller);
      try {
        const res = await request(`${mock.url}${path}`, {
          dispatcher: agent,
          signal: controller.signal,
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ key: KEY, rid, ...body }).toString(),
        });
        const text = await res.body.text();
        answered.add(rid);
        return res.statusCode === 200 ? text : undefined;
      } catch {
        failed.add(rid);
        return undefined;
      } finally {
        inFlight.delete(rid);
      }
    };
    const worker = async (): Promise<void> => {
      for (let i = 0; i < TASKS_PER_WORKER; i++) {
        const submitted = await post('/in.php', {
          method: 'hcaptcha',
          sitekey: 's',
          pageurl: 'https://a.example',
        });
        const id = /^OK\|(\d+)$/.exec(submitted ?? '')?.[1];
        if (!id) continue;
        submitsAnsweredOk++;
        // Poll until a final answer: solves take at most 20 ms of real time, so this ends.
        for (;;) {
          const answer = await post('/res.php', { action: 'get', id });
          if (answer?.startsWith('OK|') || answer === 'ERROR_CAPTCHA_UNSOLVABLE') break;
          if (answer?.startsWith('ERROR_WRONG')) break; // cannot happen; the checks below say so
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: WORKERS }, worker));
      const state = mock.state();

      // Every request the client sent was received and recorded exactly once, and every
      // failure on the client is explained by the fault the mock recorded for it.
      expect(records.size).toBe(sent);
      expect(answered.size + failed.size).toBe(sent);
      for (const rid of failed) {
        expect(['hang', 'reset', 'answer-lost'], `request ${rid}`).toContain(
          records.get(rid)?.fault,
        );
      }
      for (const [rid, record] of records) {
        if (record.fault === 'hang' || record.fault === 'reset' || record.fault === 'answer-lost') {
          expect(failed.has(rid), `request ${rid} (${record.fault})`).toBe(true);
        }
      }
      const routed = (state.routes.in ?? 0) + (state.routes['res.get'] ?? 0);
      expect(routed).toBe(sent);

      // The faults are exactly the seeded stream's first `sent` draws, and the run made
      // enough requests (400 submits at least) for every kind to appear.
      expect(drawsUntilEveryKind()).toBeLessThanOrEqual(WORKERS * TASKS_PER_WORKER);
      expect(sent).toBeGreaterThanOrEqual(WORKERS * TASKS_PER_WORKER);
      expect(state.faults).toEqual(expectedFaults(sent));
      for (const kind of FAULT_KINDS) expect(state.faults[kind], kind).toBeGreaterThan(0);
      const recordedFaults: Record<string, number> = {};
      for (const record of records.values()) {
        if (record.fault) recordedFaults[record.fault] = (recordedFaults[record.fault] ?? 0) + 1;
      }
      expect(recordedFaults).toEqual(state.faults);

      // Every task is accounted for: the client knows each one the mock created, except those
      // whose submit answer was lost; it fetched the final answer of each it knew, and the
      // lost ones are still open (nothing expired).
      expect(state.answers.MOCK_INTERNAL_ERROR).toBeUndefined();
      expect(state.answers.ERROR_WRONG_CAPTCHA_ID).toBeUndefined();
      expect(submitsAnsweredOk + state.tasks.lost).toBe(state.tasks.created);
      expect(state.tasks.solved + state.tasks.unsolvable).toBe(submitsAnsweredOk);
      expect(state.tasks.expired).toBe(0);
      expect(state.keys[KEY]!.open).toBe(state.tasks.lost);
    } finally {
      await mock.close();
      await agent.close();
    }
    expect(mock.connections).toBe(0);
    // A budget, not an assertion: thousands of requests on a machine shared by parallel suites.
  }, 60_000);
});
