import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, expect } from 'vitest';

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

/** Resource types that stay alive after a test (compare to a snapshot taken before). */
export function activeResources(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r !== 'TTYWrap')
    .sort();
}

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

/** The resources alive now that were not alive (in that number) in `before`. */
function extra(before: string[]): string[] {
  const left = [...before];
  const out: string[] = [];
  for (const r of activeResources()) {
    const i = left.indexOf(r);
    if (i === -1) out.push(r);
    else left.splice(i, 1);
  }
  return out;
}

/**
 * Waits (briefly, in real time) until no resource is alive beyond those in `before` (a shared
 * timer that existed before may have ended meanwhile), then returns the leftovers: `[]` when
 * nothing leaked.
 */
export async function leakedResources(before: string[]): Promise<string[]> {
  let now = extra(before);
  for (let i = 0; i < 100 && now.length > 0; i++) {
    await tick(10);
    now = extra(before);
  }
  return now;
}

/**
 * Checks every test of the calling file for leaks: after the test, `cleanup` closes what it
 * opened, then no resource may be alive beyond those alive before it ({@link leakedResources}).
 */
export function expectNoLeaksAfterEach(cleanup: () => Promise<void>): void {
  let before: string[];
  beforeEach(() => {
    before = activeResources();
  });
  afterEach(async () => {
    await cleanup();
    expect(await leakedResources(before)).toEqual([]);
  });
}

/**
 * {@link expectNoLeaksAfterEach} for files that keep their solver and server in variables:
 * after each test, closes what `current()` returns (in order; `undefined` skipped).
 */
export function closeAfterEach(
  current: () => readonly ({ close(): Promise<void> } | undefined)[],
): void {
  expectNoLeaksAfterEach(async () => {
    for (const item of current()) await item?.close();
  });
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
