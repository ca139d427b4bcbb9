import { describe, expect, it } from 'vitest';
import {
  DropCallbackError,
  InvalidOptionTypeError,
  InvalidOptionValueError,
  PriorityError,
  shed,
} from '../../src/index.js';
import { trackedAbortController } from '../../src/testing/index.js';
import { endlessSource, manualSource, settle, trackedSource } from '../helpers/sources.js';

interface Task {
  id: string;
  priority: number;
}

/** Starts the stage with a parked consumer, feeds `tasks` while nobody takes, then drains. */
async function feedThenDrain(
  options: Parameters<typeof shed<Task>>[0],
  tasks: Task[],
): Promise<{ first: Task; rest: Task[] }> {
  const source = manualSource<Task>();
  const iterator = shed<Task>(options as never)(source.iterable)[Symbol.asyncIterator]();
  const first = iterator.next();
  for (const task of tasks) source.push(task);
  source.end();
  await settle();
  const rest: Task[] = [];
  const head = (await first).value as Task;
  for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(r.value);
  return { first: head, rest };
}

const t = (id: string, priority = 0): Task => ({ id, priority });

describe('shed: options', () => {
  it('throws typed errors at once', () => {
    expect(() => shed({ capacity: -1 })).toThrow(InvalidOptionValueError);
    expect(() => shed({ capacity: -1 })).toThrow(
      /`capacity` to be an integer from 1 and up, got -1/,
    );
    expect(() => shed(0)).toThrow(RangeError);
    expect(() => shed('5' as unknown as number)).toThrow(InvalidOptionTypeError);
    expect(() => shed({ capacity: 2, priority: 3 as never })).toThrow(
      /`priority` to be a function, got 3/,
    );
    expect(() => shed({ capacity: 2, onDrop: 'log' as never })).toThrow(TypeError);
    expect(() => shed({ capacity: 2, order: 'lifo' as never })).toThrow(
      /`order` to be one of 'fifo', 'priority'/,
    );
  });
});

describe('shed: admission', () => {
  it('with equal priorities drops the newest when full', async () => {
    const drops: [string, string][] = [];
    const { first, rest } = await feedThenDrain(
      { capacity: 2, onDrop: (task, reason) => drops.push([task.id, reason]) },
      [t('a'), t('b'), t('c'), t('d'), t('e')],
    );
    // `a` went straight to the waiting consumer; b and c filled the buffer.
    expect(first.id).toBe('a');
    expect(rest.map((x) => x.id)).toEqual(['b', 'c']);
    expect(drops).toEqual([
      ['d', 'full'],
      ['e', 'full'],
    ]);
  });

  it('evicts the oldest of the lowest-priority items for a more important one', async () => {
    const drops: [string, string][] = [];
    const { rest } = await feedThenDrain(
      {
        capacity: 3,
        priority: (task) => task.priority,
        onDrop: (task, reason) => drops.push([task.id, reason]),
      },
      [t('head'), t('low1', 1), t('high', 5), t('low2', 1), t('mid', 3), t('low3', 1), t('top', 9)],
    );
    expect(drops).toEqual([
      ['low1', 'evicted'],
      ['low3', 'full'],
      ['low2', 'evicted'],
    ]);
    expect(rest.map((x) => x.id)).toEqual(['high', 'mid', 'top']);
  });

  it("order: 'priority' serves the most important first, arrival order among equals", async () => {
    const { rest } = await feedThenDrain(
      { capacity: 10, priority: (task) => task.priority, order: 'priority' },
      [t('head'), t('a', 1), t('b', 3), t('c', 1), t('d', 3), t('e', 2)],
    );
    expect(rest.map((x) => x.id)).toEqual(['b', 'd', 'e', 'a', 'c']);
  });

  it('never makes its source wait, even when nobody consumes', async () => {
    const { iterable, state } = trackedSource(Array.from({ length: 5000 }, (_, i) => i));
    const stage = shed<number>(10);
    const iterator = stage(iterable)[Symbol.asyncIterator]();
    await iterator.next();
    await settle(20);
    expect(state.pulled).toBe(5000);
    expect(stage.stats()).toMatchObject({
      received: 5000,
      emitted: 1,
      buffered: 10,
      dropped: 4989,
    });
    await iterator.return?.();
  });

  it('keeps received = emitted + dropped + buffered and buffered <= capacity at every drop', async () => {
    const stage = shed<number>({
      capacity: 4,
      priority: (x) => x % 4,
      onDrop: () => {
        const s = stage.stats();
        expect(s.received).toBe(s.emitted + s.dropped + s.buffered);
        expect(s.buffered).toBeLessThanOrEqual(4);
      },
    });
    let n = 0;
    for await (const _ of stage(trackedSource(Array.from({ length: 300 }, (_, i) => i)).iterable)) {
      n++;
      await settle(1);
    }
    const s = stage.stats();
    expect(n).toBe(s.emitted);
    expect(s.received).toBe(300);
    expect(s.emitted + s.dropped).toBe(300);
  });
});

describe('shed: failing callbacks', () => {
  it('a throwing onDrop loses nothing, keeps flowing, and reports at the end', async () => {
    const failure = new Error('logger down');
    const source = manualSource<Task>();
    const stage = shed<Task>({
      capacity: 1,
      onDrop: () => {
        throw failure;
      },
    });
    const iterator = stage(source.iterable)[Symbol.asyncIterator]();
    const head = iterator.next();
    for (const task of [t('a'), t('b'), t('c'), t('d')]) source.push(task);
    source.end();
    await settle();
    expect((await head).value).toEqual(t('a'));
    expect((await iterator.next()).value).toEqual(t('b'));
    const error = await iterator.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DropCallbackError);
    expect(error).toMatchObject({ code: 'ERR_BPK_DROP_CALLBACK', cause: failure, failures: 2 });
    expect(stage.stats()).toMatchObject({
      received: 4,
      emitted: 2,
      dropped: 2,
      dropCallbackErrors: 2,
    });
  });

  it('a failing priority function fails the stage with the item attached', async () => {
    const source = manualSource<Task>();
    const stage = shed<Task>({
      capacity: 2,
      priority: (task) => (task.id === 'bad' ? Number.NaN : 1),
    });
    const iterator = stage(source.iterable)[Symbol.asyncIterator]();
    const head = iterator.next();
    for (const task of [t('a'), t('b'), t('bad'), t('c')]) source.push(task);
    await settle();
    expect((await head).value).toEqual(t('a'));
    expect((await iterator.next()).value).toEqual(t('b'));
    const error = await iterator.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PriorityError);
    expect(error).toMatchObject({ code: 'ERR_BPK_PRIORITY', item: t('bad') });
    expect(stage.stats()).toMatchObject({ received: 2, emitted: 2 });
  });
});

describe('shed: cleanup', () => {
  it('on break: returns the source, reports buffered items as discarded, leaves no listener', async () => {
    const tracked = trackedAbortController();
    const { iterable, state } = endlessSource();
    const discarded: number[] = [];
    const stage = shed<number>({
      capacity: 8,
      onDrop: (x, reason) => {
        if (reason === 'discarded') discarded.push(x);
      },
    });
    let n = 0;
    for await (const _ of stage(iterable, { signal: tracked.signal })) {
      await settle(1);
      if (++n === 3) break;
    }
    expect(state.closed).toBe(true);
    await settle();
    expect(tracked.listeners()).toBe(0);
    const s = stage.stats();
    expect(s.buffered).toBe(0);
    expect(discarded.length).toBeGreaterThan(0);
    expect(s.droppedByReason.discarded).toBe(discarded.length);
    expect(s.received).toBe(s.emitted + s.dropped + s.buffered);
  });

  it('an endless sync source does not starve the event loop', async () => {
    const stage = shed<number>(4);
    let timerFired = false;
    const timer = setTimeout(() => {
      timerFired = true;
    }, 0);
    let n = 0;
    for await (const _ of stage(
      (function* () {
        for (let i = 0; ; i++) yield i;
      })(),
    )) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (timerFired || ++n > 10_000) break;
    }
    clearTimeout(timer);
    expect(timerFired).toBe(true);
  });

  it('aborts: rejects a parked consumer with AbortError and closes the source', async () => {
    const controller = new AbortController();
    const source = manualSource<number>();
    const iterator = shed<number>({ capacity: 2, signal: controller.signal })(source.iterable)[
      Symbol.asyncIterator
    ]();
    const parked = iterator.next();
    await settle();
    controller.abort();
    await expect(parked).rejects.toMatchObject({ name: 'AbortError', code: 'ERR_BPK_ABORTED' });
    expect(source.state.returned).toBe(true);
  });
});
