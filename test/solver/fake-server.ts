import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach } from 'vitest';
import { closeCheckingConnections } from '../helpers/connections.js';

/** One request as the fake server saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly contentType: string;
  readonly body: URLSearchParams;
}

export type Handler = (
  request: SeenRequest,
  res: ServerResponse,
  raw: IncomingMessage,
) => void | Promise<void>;

export interface FakeServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** TCP connections open to it now: 0 once every client closed its own (a per-object leak check). */
  readonly connections: number;
  close(): Promise<void>;
}

/** A tiny node:http server on 127.0.0.1, port 0, that records every request. */
export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = req.url ?? '/';
    const seen: SeenRequest = {
      method: req.method ?? '',
      url,
      path: url.split('?')[0]!,
      contentType: req.headers['content-type'] ?? '',
      body: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
    };
    requests.push(seen);
    try {
      await handler(seen, res, req);
    } catch {
      res.destroy();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get connections() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends a JSON protocol answer. */
export function json(res: ServerResponse, status: 0 | 1, request: string | number): void {
  const body = JSON.stringify({ status, request });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
}

/** Sends a text body with a status. */
export function text(res: ServerResponse, body: string, status = 200, type = 'text/plain'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

/**
 * A scripted protocol server: `in.php` answers from `submits`, `res.php?action=get` from
 * `polls` (the last entry repeats). Entries are functions writing the response.
 */
export type Step = (res: ServerResponse, request: SeenRequest) => void | Promise<void>;

export async function startScripted(script: {
  submits?: Step[];
  polls?: Step[];
  other?: Step;
}): Promise<FakeServer> {
  let s = 0;
  let p = 0;
  return startFakeServer(async (request, res) => {
    if (request.path === '/in.php') {
      const steps = script.submits ?? [(r) => json(r, 1, 1001)];
      const step = steps[Math.min(s++, steps.length - 1)]!;
      await step(res, request);
    } else if (request.path === '/res.php' && request.body.get('action') === 'get') {
      const steps = script.polls ?? [(r) => json(r, 1, 'TOKEN')];
      const step = steps[Math.min(p++, steps.length - 1)]!;
      await step(res, request);
    } else if (script.other) {
      await script.other(res, request);
    } else {
      text(res, 'not found', 404);
    }
  });
}

/** Waits for the next macrotask. */
export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `promise` to completion under a `VirtualClock`: whenever a sleep is pending, jumps to
 * it; otherwise waits a real millisecond for I/O (the HTTP round trips are real).
 */
export async function drive<T>(
  clock: { nextTimerAt(): number | undefined; now(): number; advance(ms: number): Promise<void> },
  promise: Promise<T>,
  maxSteps = 20_000,
): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let i = 0; !done && i < maxSteps; i++) {
    const at = clock.nextTimerAt();
    if (at !== undefined) await clock.advance(Math.max(0, at - clock.now()));
    else await tick(1);
  }
  return promise;
}

/**
 * After each test of the calling file, `cleanup` closes what the test opened and checks it
 * per object (see `closeCheckingConnections` in test/helpers/connections.ts): never with
 * process-wide handle counts, which the tests running beside this one change.
 */
export function expectNoLeaksAfterEach(cleanup: () => Promise<void>): void {
  afterEach(cleanup);
}

/**
 * After each test, closes what `current()` returns, in order (solvers before the servers they
 * talked to; `undefined` skipped), and fails when a server still has a connection open once
 * its clients closed: the client leaked it.
 */
export function closeAfterEach(
  current: () => readonly ({ close(): Promise<void>; readonly connections?: number } | undefined)[],
): void {
  afterEach(() => closeCheckingConnections(current()));
}

/** Solver options for a fake server: no waits between polls, short limits. */
export function fastOptions<O extends object>(
  apiKey: string,
  baseUrl: string,
  extra: O,
): {
  apiKey: string;
  baseUrl: string;
  firstPollDelay: 0;
  pollInterval: 1;
  pollJitter: 0;
  requestTimeout: number;
} & O {
  return {
    apiKey,
    baseUrl,
    firstPollDelay: 0,
    pollInterval: 1,
    pollJitter: 0,
    requestTimeout: 2_000,
    ...extra,
  };
}

/** What `promise` rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}
