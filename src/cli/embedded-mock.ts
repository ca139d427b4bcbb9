/**
 * The mock solver `backpressure-kit solve` starts when no key is set: in this process, on a
 * free loopback port, with a thread limit, scaled latencies and, for demos, an outage played
 * on a timer through the mock's `configure()`.
 */
import { DEFAULT_MOCK_KEY } from '../mock/constants.js';
import { startMockSolver } from '../mock/start-mock-solver.js';
import type { MockSolver } from '../mock/types.js';
import type { MockOutage } from './solve-options.js';

/** Options of {@link startEmbeddedMock}. */
export interface EmbeddedMockOptions {
  readonly threads: number;
  readonly timeScale: number;
  /** One fixed latency (ms before scaling) instead of the realistic distributions. */
  readonly latencyMs: number | undefined;
  readonly outage: MockOutage | undefined;
  /** Told when the outage starts and ends. */
  readonly onOutage?: (state: 'started' | 'ended') => void;
}

/** A running embedded mock; `close` also cancels a pending outage. */
export interface EmbeddedMock {
  readonly mock: MockSolver;
  readonly apiKey: string;
  close(): Promise<void>;
}

/**
 * Starts the embedded mock. The outage makes every submit (in.php) answer a 502
 * HTML page from `outage.atMs` after the start for `outage.forMs` (both real ms).
 *
 * @example
 * ```ts
 * const { mock, apiKey, close } = await startEmbeddedMock({ threads: 8, timeScale: 0.02, latencyMs: undefined, outage: undefined });
 * ```
 */
export async function startEmbeddedMock(options: EmbeddedMockOptions): Promise<EmbeddedMock> {
  const mock = await startMockSolver({
    keys: { [DEFAULT_MOCK_KEY]: { threads: options.threads } },
    timeScale: options.timeScale,
    ...(options.latencyMs === undefined ? {} : { latency: options.latencyMs }),
    logSize: 0,
  });
  const timers: NodeJS.Timeout[] = [];
  const { outage } = options;
  if (outage !== undefined) {
    timers.push(
      setTimeout(() => {
        mock.configure({ faults: [{ kind: 'html-5xx', status: 502, rate: 1, route: 'in' }] });
        options.onOutage?.('started');
        timers.push(
          setTimeout(() => {
            mock.configure({ faults: [] });
            options.onOutage?.('ended');
          }, outage.forMs),
        );
      }, outage.atMs),
    );
  }
  return {
    mock,
    apiKey: DEFAULT_MOCK_KEY,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await mock.close();
    },
  };
}
