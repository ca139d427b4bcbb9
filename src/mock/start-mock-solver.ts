import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Clock, systemClock } from '../internal/clock.js';
import { handleControl } from './control-plane.js';
import { writeFaultResponse } from './fault-responses.js';
import { deliver, handleResult } from './handle-result.js';
import { handleSubmit } from './handle-submit.js';
import { MockEngine } from './mock-engine.js';
import { readBody } from './read-body.js';
import { type Answer, errorAnswer, formatAnswer } from './reply.js';
import { parseParams, type RequestParams } from './request-params.js';
import {
  mergeOptions,
  type ResolvedFaultParameters,
  resolveListenOptions,
  resolveOptions,
} from './resolve-options.js';
import type {
  MockFaultKind,
  MockSolver,
  MockSolverOptions,
  MockSolverPatch,
  MockSolverState,
} from './types.js';

const RES_ACTIONS = new Set(['get', 'get2', 'getbalance', 'reportgood', 'reportbad']);
const KEY_IN_QUERY = /(?:^|&)key=/;
// Faults that replace the answer without processing the request.
const IMMEDIATE: ReadonlySet<MockFaultKind> = new Set([
  'html-5xx',
  'http-429',
  'malformed-json',
  'empty-body',
]);

function isSleepAbort(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'AbortError';
}

/**
 * Starts a local CaptchaAI / 2captcha-compatible solver service on a real `node:http` server:
 * `in.php`, `res.php` (`get`, `getbalance`, `reportgood`, `reportbad`, 2captcha's `get2`) and
 * CaptchaAI's `solve.php` (a submit that answers with the token once solved),
 * over GET or POST (query, urlencoded, multipart or JSON body, JSON recognised by content),
 * in text mode unless `json=1` (then JSON, with `error_text` on errors), batch polls
 * (`action=get&ids=1,2,3`),
 * with per-key thread limits, latency distributions, unsolvable tasks, result expiry, bans,
 * scripted answers and injected faults, and a recorder of what the client did.
 *
 * Options are validated before anything listens (`TypeError` for a wrong type, `RangeError` for
 * a bad value, naming the option). Listening errors (e.g. `EADDRINUSE`) reject the promise.
 *
 * A control plane for out-of-process use answers loopback clients only, and never a web page
 * (loopback `Host`, no foreign `Origin`, POST bodies declared `application/json`):
 * `GET /__mock/state`, `POST /__mock/config` (a JSON patch) and `POST /__mock/reset`.
 *
 * Memory is bounded: at most `maxTasks` tasks and a request log of `logSize` records within
 * `logBytes`. `close()` resolves once every connection has closed (`connections` is then 0).
 *
 * @example
 * ```ts
 * const mock = await startMockSolver({ timeScale: 0.001, keys: { [KEY]: { threads: 5 } } });
 * try {
 *   const res = await fetch(`${mock.url}/in.php`, {
 *     method: 'POST',
 *     body: new URLSearchParams({ key: KEY, method: 'turnstile', sitekey: 'x', pageurl: 'https://a.example', json: '1' }),
 *   });
 *   console.log(await res.json()); // { status: 1, request: 7012345678 }
 *   console.log(mock.state().keys[KEY]?.peakInFlight); // 1
 * } finally {
 *   await mock.close(); // ends hanging connections too; leaves no handle behind
 * }
 * ```
 */
export async function startMockSolver(options: MockSolverOptions = {}): Promise<MockSolver> {
  const config = resolveOptions(options);
  const listen = resolveListenOptions(options);
  const clock: Clock = listen.clock ?? systemClock;
  const onRequest = listen.onRequest;
  const now = (): number => clock.now();
  let current: MockSolverOptions = { ...options };
  const engine = new MockEngine(config, now);
  const lifetime = new AbortController();
  const sockets = new Set<Socket>();
  let closing: Promise<void> | undefined;

  const send = (
    res: ServerResponse,
    route: string,
    answer: Answer,
    json: boolean,
    acao: boolean,
  ): void => {
    if (res.destroyed) return;
    const body = formatAnswer(answer, json);
    const headers: Record<string, string | number> = {
      'content-type': json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    };
    if (acao) headers['access-control-allow-origin'] = '*';
    res.writeHead(200, headers);
    res.end(body);
    engine.recorder.answer(route, answer.code);
  };

  const trickle = async (
    res: ServerResponse,
    route: string,
    answer: Answer,
    json: boolean,
    fault: ResolvedFaultParameters,
  ): Promise<void> => {
    const body = Buffer.from(formatAnswer(answer, json));
    res.writeHead(200, {
      'content-type': json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
      'content-length': body.length,
    });
    const pieces = Math.min(body.length, 10);
    const pause = engine.scaled(fault.delay) / Math.max(1, pieces);
    const size = Math.ceil(body.length / Math.max(1, pieces));
    res.write(body.subarray(0, 1));
    for (let at = 1; at < body.length; at += size) {
      await clock.sleep(pause, lifetime.signal);
      if (res.destroyed) return;
      res.write(body.subarray(at, Math.min(body.length, at + size)));
    }
    if (pieces <= 1) await clock.sleep(pause, lifetime.signal);
    res.end();
    engine.recorder.answer(route, answer.code);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const endpoint =
      path === '/in.php'
        ? 'in'
        : path === '/res.php'
          ? 'res'
          : path === '/solve.php'
            ? 'solve'
            : undefined;
    // solve.php is a submit that waits for the answer: it shares in.php's faults and scripts.
    const kind = endpoint === 'res' ? 'res' : 'in';
    if (endpoint === undefined) {
      if (path.startsWith('/__mock/')) {
        return handleControl(req, res, path, engine, mock.configure, mock.url);
      }
      engine.recorder.route('other');
      engine.noteKeyInUrl(url, q !== -1 && KEY_IN_QUERY.test(url.slice(q + 1)));
      res.writeHead(404, { 'content-type': 'text/html; charset=UTF-8' });
      res.end('<html><body><h1>404 Not Found</h1></body></html>\n');
      return;
    }
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') {
      engine.recorder.route('other');
      res.writeHead(405, { allow: 'GET, POST', 'content-type': 'text/plain' });
      res.end('Method Not Allowed');
      return;
    }
    const query = q === -1 ? '' : url.slice(q + 1);
    const contentType = req.headers['content-type'] ?? '';
    let request: RequestParams;
    if (
      req.headers['content-length'] === undefined &&
      req.headers['transfer-encoding'] === undefined
    ) {
      request = parseParams(query, contentType, Buffer.alloc(0));
    } else {
      const body = await readBody(
        req,
        Math.max(8 * 1024 * 1024, engine.config.maxImageBytes * 2 + 65_536),
      );
      if (body === 'aborted') return;
      if (body === 'too-large') {
        engine.recorder.route('other');
        res.writeHead(413, { 'content-type': 'text/html; charset=UTF-8', connection: 'close' });
        res.end('<html><body><h1>413 Request Entity Too Large</h1></body></html>\n');
        return;
      }
      request = parseParams(query, contentType, body);
    }

    const { fields } = request;
    const key = fields.key ?? '';
    const action = endpoint === 'res' ? fields.action : undefined;
    const route =
      endpoint === 'res'
        ? `res.${action !== undefined && RES_ACTIONS.has(action) ? action : 'other'}`
        : endpoint;
    const recorder = engine.recorder;
    recorder.route(route);
    const keyInUrl = query.length > 0 && engine.noteKeyInUrl(url, KEY_IN_QUERY.test(query));
    // Text unless asked for JSON, in both profiles: CaptchaAI's own SDK never sends `json` and
    // reads `OK|…`, whatever its OpenAPI page says about the default.
    const json = fields.json === '1' || fields.json === 'true';
    const acao = fields.header_acao === '1';
    const arrivedAt = now();
    engine.tick(arrivedAt);
    if (kind === 'in') {
      const account = engine.accounts.get(key);
      if (account) account.submits++;
      engine.noteSubmit(key, account);
    }

    let answer: Answer | undefined;
    let fault: ResolvedFaultParameters | undefined;
    const step = engine.nextStep(kind, key);
    if (step?.type === 'answer') answer = errorAnswer(step.code);
    else if (step?.type === 'fault') fault = step.fault;
    else fault = engine.pickFault(kind, action, key);
    if (fault) recorder.fault(fault.kind);

    const log = (answered: Answer | undefined): void => {
      if (!recorder.logging && !onRequest) return;
      const record = recorder.request({
        at: arrivedAt - engine.startedAt,
        route,
        method,
        contentType: contentType.split(';')[0]!.trim(),
        keyInUrl,
        taskId: answered?.taskId,
        answer: answered?.code,
        fault: fault?.kind,
        // Copied without the key and bounded: the log never holds a request's full body.
        params: fields,
      });
      onRequest?.(record);
    };

    if (!answer && fault) {
      if (IMMEDIATE.has(fault.kind)) {
        writeFaultResponse(res, fault);
        log(undefined);
        return;
      }
      if (fault.kind === 'api-error') answer = errorAnswer(fault.code);
      else if (fault.kind === 'hang') {
        // Nothing is ever sent; close() destroys the socket.
        log(undefined);
        return;
      } else if (fault.kind === 'reset') {
        log(undefined);
        req.socket.resetAndDestroy();
        return;
      } else if (fault.kind === 'slow-headers') {
        await clock.sleep(engine.scaled(fault.delay), lifetime.signal);
        if (res.destroyed) return log(undefined);
      }
    }

    const at = now();
    if (!answer) {
      engine.tick(at);
      answer =
        kind === 'in'
          ? handleSubmit(engine, request, req.socket.remoteAddress ?? '', at, json)
          : handleResult(engine, fields, req.socket.remoteAddress ?? '', at);
      const task =
        endpoint === 'solve' && answer.status === 1 ? engine.store.get(answer.taskId!) : undefined;
      if (task) {
        await clock.sleep(Math.max(0, task.solveAt - at), lifetime.signal);
        // A client that left does not fetch: the task stays open until it expires.
        if (res.destroyed) return log(answer);
        answer = deliver(engine, task);
      }
    }
    engine.noteAnswer(key, answer.code, at);
    log(answer);
    if (fault?.kind === 'answer-lost') {
      if (kind === 'in' && answer.status === 1) recorder.lost++;
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'slow-body') return trickle(res, route, answer, json, fault);
    send(res, route, answer, json, acao);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (isSleepAbort(error) || res.destroyed) return;
      // A bug in the mock: visible in state().answers and as a 500, never silent.
      engine.recorder.answer('error', 'MOCK_INTERNAL_ERROR');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`mock internal error: ${(error as Error)?.message ?? String(error)}`);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      server.close();
      reject(error);
    };
    server.once('error', onError);
    server.listen(listen.port, listen.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;

  const mock: MockSolver = {
    url: `http://${host}:${address.port}`,
    port: address.port,
    get connections(): number {
      return sockets.size;
    },
    state(): MockSolverState {
      return engine.snapshot();
    },
    configure(patch: MockSolverPatch): void {
      const merged = mergeOptions(current, patch);
      const next = resolveOptions(merged);
      const changed = new Set<string>();
      if (patch.script !== undefined) changed.add('');
      for (const [k, plan] of Object.entries(patch.keys ?? {})) {
        if (plan?.script !== undefined) changed.add(k);
      }
      current = merged;
      engine.apply(next, changed);
    },
    reset(): void {
      engine.reset();
    },
    close(): Promise<void> {
      closing ??= (async () => {
        lifetime.abort();
        // Resolves only once every connection has emitted 'close' (so `connections` is 0).
        const ended = [...sockets].map(
          (socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
        );
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
        await Promise.all([stopped, ...ended]);
      })();
      return closing;
    },
  };
  return mock;
}
