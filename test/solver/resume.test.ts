import { describe, expect, it } from 'vitest';
import { InvalidOptionTypeError, InvalidOptionValueError } from '../../src/errors.js';
import {
  createSolver,
  type Solver,
  SolverError,
  type SolverOptions,
  type Task,
} from '../../src/solver/index.js';
import {
  closeAfterEach,
  type FakeServer,
  fastOptions,
  json,
  type SeenRequest,
  startScripted,
  text,
} from './fake-server.js';

const KEY = 'feedfacefeedfacefeedfacefeedface';
const task: Task = { type: 'turnstile', sitekey: '0x4AAA', pageurl: 'https://example.com/r' };

let server: FakeServer | undefined;
let solver: Solver | undefined;

closeAfterEach(() => {
  const open = [solver, server];
  solver = undefined;
  server = undefined;
  return open;
});

function options(extra: Partial<SolverOptions> = {}): SolverOptions {
  return fastOptions(KEY, server!.url, { transientDelay: 1, ...extra });
}

const submits = (): SeenRequest[] => server!.requests.filter((r) => r.path === '/in.php');
const polledIds = (): (string | null)[] =>
  server!.requests.filter((r) => r.path === '/res.php').map((r) => r.body.get('id'));

describe('onSubmitted', () => {
  it('is called once with the accepted id, before the first poll', async () => {
    server = await startScripted({ submits: [(r) => json(r, 1, 4242)] });
    solver = createSolver(options());
    const seen: { id: string; pollsBefore: number }[] = [];
    const solution = await solver.solve(task, {
      onSubmitted: (id) => {
        seen.push({ id, pollsBefore: polledIds().length });
      },
    });
    expect(seen).toEqual([{ id: '4242', pollsBefore: 0 }]);
    expect(solution).toMatchObject({ id: '4242', token: 'TOKEN', resumed: false, submits: 1 });
  });

  it('is awaited before polling when it returns a promise', async () => {
    server = await startScripted({});
    solver = createSolver(options());
    let release!: () => void;
    const persisted = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const called = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const pending = solver.solve(task, {
      onSubmitted: () => {
        entered();
        return persisted;
      },
    });
    await called;
    // Give a poll every chance to go out while the promise is pending.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 5));
    expect(polledIds()).toEqual([]);
    release();
    await expect(pending).resolves.toMatchObject({ token: 'TOKEN' });
    expect(polledIds()).toEqual(['1001']);
  });

  it('a throwing callback rejects solve() with its error, and no poll is made', async () => {
    server = await startScripted({});
    solver = createSolver(options());
    const boom = new Error('could not persist');
    await expect(
      solver.solve(task, {
        onSubmitted: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(polledIds()).toEqual([]);
    expect(submits()).toHaveLength(1);
  });
});

describe('resumeId', () => {
  it('polls the id at once without submitting, and records that it resumed', async () => {
    server = await startScripted({
      polls: [(r) => json(r, 0, 'CAPCHA_NOT_READY'), (r) => json(r, 1, 'RESUMED')],
    });
    // A long first-poll delay shows the resumed poll does not wait for it.
    solver = createSolver(options({ firstPollDelay: 60_000 }));
    const onSubmitted: string[] = [];
    const solution = await solver.solve(task, {
      resumeId: '777',
      onSubmitted: (id) => {
        onSubmitted.push(id);
      },
    });
    expect(submits()).toEqual([]);
    expect(onSubmitted).toEqual([]);
    expect(polledIds()).toEqual(['777', '777']);
    expect(solution).toMatchObject({
      id: '777',
      token: 'RESUMED',
      resumed: true,
      submits: 0,
      polls: 2,
    });
    expect(solver.stats()).toMatchObject({ submits: 0, resumed: 1, solved: 1 });
  });

  for (const code of ['ERROR_WRONG_CAPTCHA_ID', 'ERROR_NO_SUCH_CAPCHA_ID']) {
    for (const format of ['json', 'text'] as const) {
      it(`submits anew when the service answers ${code} (${format})`, async () => {
        let polls = 0;
        server = await startScripted({
          submits: [(r) => json(r, 1, 9001)],
          polls: [
            (r, req) => {
              polls++;
              if (req.body.get('id') === '555') {
                if (format === 'json') json(r, 0, code);
                else text(r, code);
              } else json(r, 1, 'FRESH');
            },
          ],
        });
        solver = createSolver(options());
        const ids: string[] = [];
        const solution = await solver.solve(task, {
          resumeId: '555',
          onSubmitted: (id) => {
            ids.push(id);
          },
        });
        expect(polls).toBe(2);
        expect(polledIds()).toEqual(['555', '9001']);
        expect(submits()).toHaveLength(1);
        expect(ids).toEqual(['9001']);
        expect(solution).toMatchObject({ id: '9001', token: 'FRESH', resumed: false, submits: 1 });
        expect(solver.stats().resumed).toBe(0);
      });
    }
  }

  it('an unknown id on a task it submitted itself is still a fatal-item failure', async () => {
    server = await startScripted({ polls: [(r) => json(r, 0, 'ERROR_WRONG_CAPTCHA_ID')] });
    solver = createSolver(options());
    const error = await solver.solve(task).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SolverError);
    expect(error).toMatchObject({ kind: 'fatal-item', providerCode: 'ERROR_WRONG_CAPTCHA_ID' });
    expect(submits()).toHaveLength(1);
  });

  it('other poll failures of a resumed id are handled as usual (no resubmit)', async () => {
    server = await startScripted({ polls: [(r) => json(r, 0, 'ERROR_CAPTCHA_UNSOLVABLE')] });
    solver = createSolver(options());
    await expect(solver.solve(task, { resumeId: '12' })).rejects.toMatchObject({
      kind: 'unsolvable',
    });
    expect(submits()).toEqual([]);
  });

  it('refuses a resumeId that could not be a task id, before any request', async () => {
    server = await startScripted({});
    solver = createSolver(options());
    await expect(solver.solve(task, { resumeId: 12 as never })).rejects.toBeInstanceOf(
      InvalidOptionTypeError,
    );
    for (const bad of ['', '1\r\n2', 'a b', 'x'.repeat(200 * 1024)]) {
      const error = await solver.solve(task, { resumeId: bad }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidOptionValueError);
      expect((error as Error).message.length).toBeLessThan(300);
    }
    await expect(solver.solve(task, { onSubmitted: 'no' as never })).rejects.toBeInstanceOf(
      InvalidOptionTypeError,
    );
    expect(server.requests).toEqual([]);
  });
});
