import { Dispatcher } from 'undici';
import type { Clock } from '../internal/clock.js';
import * as validate from '../internal/validate.js';
import { errorAnswer, formatAnswer, okAnswer } from '../mock/reply.js';
import { parseParams } from '../mock/request-params.js';
import type { SimulatedSolver, SimulatedTicket } from './simulated-solver.js';

/** Options of {@link SimulatedSolverDispatcher}. */
export interface SimulatedSolverDispatcherOptions {
  /** The clock the simulated solver runs on (the same one given to `createSolver`). */
  clock: Clock;
}

/** The task fields a {@link SimulatedSolverDispatcher} passes to the simulated solver. */
export type SimulatedTaskFields = Readonly<Record<string, string>>;

interface LegacyHandler {
  onConnect?(abort: (reason?: Error) => void, context?: object): void;
  onHeaders?(status: number, headers: Buffer[], resume: () => void, text: string): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: Buffer[] | null): void;
  onError?(error: Error): void;
}

/**
 * An undici `Dispatcher` that answers the solver protocol (`in.php` / `res.php`, text or JSON)
 * from a {@link SimulatedSolver} in virtual time, so `createSolver({ dispatcher, clock })` can
 * be tested against threads, queueing, no-slot answers, failures and outages without a
 * server or a wall clock. `in.php` submits the task (`ERROR_NO_SLOT_AVAILABLE` when the
 * queue is full, HTTP 503 during an outage, both after the behaviour's `rejectMs`) and answers
 * `OK|<id>`; `res.php?action=get` answers `CAPCHA_NOT_READY` until the task's virtual finish
 * time, then `OK|<token>` or the task's error code. Any other `res.php` action (reports,
 * balance) answers `OK|1`. The API key is not checked.
 *
 * Requests answer through undici's handler callbacks (what `dispatcher.request()` uses), in
 * promise callbacks, so virtual time stands still while a request is answered; only a refusal
 * waits on the clock. `close()` and `destroy()` end nothing: there are no connections.
 *
 * @throws TypeError at once for a missing solver or clock.
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const service = simulatedSolver<SimulatedTaskFields>({ threads: 5 }, { clock });
 * const solver = createSolver({
 *   apiKey: 'a'.repeat(32),
 *   baseUrl: 'http://127.0.0.1:1',
 *   dispatcher: new SimulatedSolverDispatcher(service, { clock }),
 *   clock,
 * });
 * ```
 */
export class SimulatedSolverDispatcher extends Dispatcher {
  readonly #solver: SimulatedSolver<SimulatedTaskFields>;
  readonly #clock: Clock;
  readonly #tickets = new Map<string, SimulatedTicket<SimulatedTaskFields>>();
  readonly #settled = new Set<string>();
  #nextId = 1;

  constructor(
    solver: SimulatedSolver<SimulatedTaskFields>,
    options: SimulatedSolverDispatcherOptions,
  ) {
    super();
    const s = validate.object<SimulatedSolver<SimulatedTaskFields>>('solver', solver);
    validate.func('solver.submit', s.submit);
    this.#solver = s;
    this.#clock = validate.clock<Clock>(
      'options.clock',
      validate.object<SimulatedSolverDispatcherOptions>('options', options).clock,
    );
  }

  override dispatch(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): boolean {
    const h = handler as LegacyHandler;
    const abort = new AbortController();
    h.onConnect?.((reason) => abort.abort(reason ?? new Error('request aborted')), {});
    void this.#answer(options, abort.signal).then(
      ({ status, body }) => {
        if (abort.signal.aborted) return h.onError?.(abort.signal.reason as Error);
        const bytes = Buffer.from(body);
        const headers = [
          Buffer.from('content-type'),
          Buffer.from(body.startsWith('{') ? 'application/json' : 'text/plain'),
        ];
        h.onHeaders?.(status, headers, () => {}, status === 200 ? 'OK' : 'Service Unavailable');
        h.onData?.(bytes);
        h.onComplete?.([]);
      },
      (error: unknown) => h.onError?.(error as Error),
    );
    return true;
  }

  override async close(): Promise<void> {}

  override async destroy(): Promise<void> {}

  async #answer(
    options: Dispatcher.DispatchOptions,
    signal: AbortSignal,
  ): Promise<{ status: number; body: string }> {
    const [path = '', query = ''] = options.path.split('?');
    const contentType = headerValue(options.headers, 'content-type') ?? '';
    const body = typeof options.body === 'string' ? Buffer.from(options.body) : Buffer.alloc(0);
    const { fields } = parseParams(query, contentType, body);
    const json = fields.json === '1';
    const reply = (answer: Parameters<typeof formatAnswer>[0]) => ({
      status: 200,
      body: formatAnswer(answer, json),
    });
    if (path.endsWith('/in.php')) {
      const ticket = this.#solver.submit({ ...fields });
      if (ticket === 'no-slot' || ticket === 'outage') {
        await this.#clock.sleep(this.#solver.behaviour.rejectMs, signal);
        if (ticket === 'outage') return { status: 503, body: 'Service Unavailable' };
        return reply(errorAnswer('ERROR_NO_SLOT_AVAILABLE'));
      }
      const id = String(this.#nextId++);
      this.#tickets.set(id, ticket);
      return reply(okAnswer(id, Number(id)));
    }
    if (path.endsWith('/res.php')) {
      if (fields.action !== 'get') return reply(okAnswer(1));
      const id = fields.id ?? '';
      const ticket = this.#tickets.get(id);
      if (!ticket) return reply(errorAnswer('ERROR_WRONG_CAPTCHA_ID'));
      if (this.#clock.now() < ticket.finishedAt) return reply(errorAnswer('CAPCHA_NOT_READY'));
      if (!this.#settled.has(id)) {
        this.#settled.add(id);
        this.#solver.settle(ticket);
      }
      return reply(
        ticket.errorCode === undefined
          ? okAnswer(ticket.token, Number(id))
          : errorAnswer(ticket.errorCode, Number(id)),
      );
    }
    return { status: 404, body: 'Not Found' };
  }
}

function headerValue(
  headers: Dispatcher.DispatchOptions['headers'],
  name: string,
): string | undefined {
  if (!headers) return undefined;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === name) return String(headers[i + 1]);
    }
    return undefined;
  }
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() === name) return String(value);
  }
  return undefined;
}
