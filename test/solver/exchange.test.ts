import { fc, test } from '@fast-check/vitest';
import { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { Exchange, TransportFailure } from '../../src/solver/exchange.js';

const options = { origin: 'http://127.0.0.1:1', path: '/in.php', method: 'POST' } as const;

/**
 * A dispatcher that hands its handler to the test, which then plays undici's part: the
 * classic hooks in the order undici calls them.
 */
class HandDispatcher extends Dispatcher {
  handler: Dispatcher.DispatchHandler | undefined;
  override dispatch(_o: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.handler = handler;
    return true;
  }
  override async close(): Promise<void> {}
  override async destroy(): Promise<void> {}
}

/** The classic hooks `dispatcher.request()` uses, which the exchange implements. */
interface ClassicHooks {
  onConnect(abort: (reason?: Error) => void, context?: object): void;
  onHeaders(
    status: number,
    raw: (string | Buffer | string[])[],
    resume: () => void,
    text: string,
  ): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: unknown[]): void;
  onError(error: Error): void;
}

function sent(maxBodyBytes = 1024): { exchange: Exchange; hooks: ClassicHooks; aborts: number[] } {
  const exchange = new Exchange(maxBodyBytes);
  const dispatcher = new HandDispatcher();
  exchange.send(dispatcher, options);
  const aborts: number[] = [];
  const hooks = dispatcher.handler as unknown as ClassicHooks;
  hooks.onConnect(() => aborts.push(1), { history: [] });
  return { exchange, hooks, aborts };
}

describe('Exchange (the transport dispatch handler)', () => {
  it('reads status, the first content-type and retry-after in any letter case, and the body', async () => {
    const { exchange, hooks } = sent();
    hooks.onHeaders(
      503,
      [
        Buffer.from('Content-Type'),
        Buffer.from('text/plain'),
        'RETRY-AFTER',
        ['7', '9'],
        'content-type',
        'text/html',
      ],
      () => {},
      'Service Unavailable',
    );
    hooks.onData(Buffer.from('ERROR_'));
    hooks.onData(Buffer.from('NO_SLOT'));
    hooks.onComplete([]);
    const reply = await exchange.reply;
    expect(reply).toMatchObject({ status: 503, contentType: 'text/plain', retryAfter: '7' });
    expect(reply.body.toString()).toBe('ERROR_NO_SLOT');
    expect(reply.context).toEqual({ history: [] });
  });

  it('skips 1xx informational answers and takes the final one', async () => {
    const { exchange, hooks } = sent();
    hooks.onHeaders(100, ['content-type', 'text/x-early'], () => {}, 'Continue');
    hooks.onHeaders(200, ['content-type', 'application/json'], () => {}, 'OK');
    hooks.onComplete([]);
    expect(await exchange.reply).toMatchObject({ status: 200, contentType: 'application/json' });
  });

  it('a failure before the connection aborts the request as soon as it gets one', async () => {
    const exchange = new Exchange(1024);
    const dispatcher = new HandDispatcher();
    exchange.send(dispatcher, options);
    const reason = Symbol('stop');
    exchange.fail(reason);
    await expect(exchange.reply).rejects.toBe(reason);
    let aborted = 0;
    (dispatcher.handler as unknown as ClassicHooks).onConnect(() => aborted++);
    expect(aborted).toBe(1);
  });

  it('a failure after the answer is complete changes nothing', async () => {
    const { exchange, hooks, aborts } = sent();
    hooks.onHeaders(200, [], () => {}, 'OK');
    hooks.onComplete([]);
    exchange.fail(new Error('late'));
    expect((await exchange.reply).status).toBe(200);
    expect(aborts).toEqual([]);
  });

  it('an exchange failed before send never dispatches', async () => {
    const exchange = new Exchange(1024);
    exchange.fail('stopped');
    const dispatcher = new HandDispatcher();
    exchange.send(dispatcher, options);
    expect(dispatcher.handler).toBeUndefined();
    await expect(exchange.reply).rejects.toBe('stopped');
  });

  it('a dispatcher that throws fails the exchange with its error', async () => {
    class Throws extends HandDispatcher {
      override dispatch(): boolean {
        throw new Error('no dispatch');
      }
    }
    const exchange = new Exchange(1024);
    exchange.send(new Throws(), options);
    await expect(exchange.reply).rejects.toThrow('no dispatch');
  });

  it("undici's error after a failure is ignored (the first outcome stands)", async () => {
    const { exchange, hooks, aborts } = sent();
    exchange.fail('first');
    hooks.onError(new Error('aborted'));
    await expect(exchange.reply).rejects.toBe('first');
    expect(aborts).toEqual([1]);
  });

  test.prop([
    fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { maxLength: 12 }),
    fc.integer({ min: 0, max: 200 }),
  ])(
    'a body within the limit arrives whole; one past it fails as oversized and aborts once',
    async (chunks, max) => {
      const { exchange, hooks, aborts } = sent(max);
      hooks.onHeaders(200, [], () => {}, 'OK');
      let size = 0;
      for (const chunk of chunks) {
        const keepGoing = hooks.onData(Buffer.from(chunk));
        size += chunk.length;
        if (size > max) {
          expect(keepGoing).toBe(false);
          break;
        }
      }
      if (size > max) {
        const error = await exchange.reply.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(TransportFailure);
        expect((error as TransportFailure).what).toBe('an oversized body');
        expect(aborts).toEqual([1]);
      } else {
        hooks.onComplete([]);
        const body = (await exchange.reply).body;
        expect(body.equals(Buffer.concat(chunks.map((c) => Buffer.from(c))))).toBe(true);
        expect(aborts).toEqual([]);
      }
    },
  );
});
