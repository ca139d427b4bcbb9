/**
 * The results file: what the writer wrote, the reader reads back; a torn last line (a crash in
 * the middle of a write) is cut off and never read as a record, and later appends start clean.
 * Queued records are in the file, in call order, once the event loop's turn ends.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { JsonlWriter, readRecordedIds } from '../../src/cli/jsonl-file.js';
import { tempDir } from './cli-process.js';

describe('JsonlWriter and readRecordedIds', () => {
  test.prop(
    [
      fc.uniqueArray(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 40 }),
      fc.string({ maxLength: 30 }).filter((s) => !s.includes('\n')),
    ],
    { numRuns: 40 },
  )('reads back every written id, and cuts a torn tail', async (ids, tail) => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'out.jsonl');
      const out = JsonlWriter.open(path, { truncate: true });
      for (const id of ids) out.write({ id, status: 'solved' });
      out.close();
      appendFileSync(path, tail);
      const read = await readRecordedIds(path);
      expect([...read.ids]).toEqual(ids);
      expect(read.tornBytes).toBe(Buffer.byteLength(tail));
      const again = JsonlWriter.open(path, { truncate: false });
      again.write({ id: 'next', status: 'failed' });
      again.close();
      const lines = readFileSync(path, 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
      expect(lines).toHaveLength(ids.length + 1);
    } finally {
      cleanup();
    }
  });

  it('treats a missing file as empty and counts unreadable lines', async () => {
    const { dir, cleanup } = tempDir();
    try {
      expect((await readRecordedIds(join(dir, 'none.jsonl'))).ids.size).toBe(0);
      const path = join(dir, 'x.jsonl');
      appendFileSync(
        path,
        '{"id":"a","status":"solved"}\nnot json\n{"status":"x"}\n\n{"id":2,"status":"dropped"}\n',
      );
      const read = await readRecordedIds(path);
      expect([...read.ids]).toEqual(['a', 2]);
      expect(read.unreadable).toBe(2);
      expect(read.byStatus).toEqual({ solved: 1, dropped: 1 });
    } finally {
      cleanup();
    }
  });

  const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const fileIds = (path: string): unknown[] =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as { id: unknown }).id);

  test.prop(
    [
      fc.array(
        fc.oneof(
          fc.constant('write' as const),
          fc.constant('queue' as const),
          fc.constant('big' as const),
          fc.constant('flush' as const),
          fc.constant('turn' as const),
        ),
        { maxLength: 40 },
      ),
    ],
    { numRuns: 40 },
  )(
    'queue: every line in call order; all of them in the file at the end of the turn, at flush or at once past 64 KiB',
    async (ops) => {
      const { dir, cleanup } = tempDir();
      try {
        const path = join(dir, 'out.jsonl');
        const out = JsonlWriter.open(path, { truncate: true });
        const ids: number[] = [];
        let queuedBytes = 0;
        for (const op of ops) {
          const id = ids.length;
          if (op === 'write') {
            out.write({ id });
            ids.push(id);
            queuedBytes = 0;
          } else if (op === 'queue' || op === 'big') {
            const record = op === 'big' ? { id, pad: 'x'.repeat(40_000) } : { id };
            out.queue(record);
            ids.push(id);
            queuedBytes += JSON.stringify(record).length + 1;
            if (queuedBytes >= 64 * 1024) queuedBytes = 0;
          } else if (op === 'flush') {
            out.flush();
            queuedBytes = 0;
          } else {
            await endOfTurn();
            queuedBytes = 0;
          }
          // Nothing queued is left behind by a write, a flush, the end of a turn, or 64 KiB.
          if (queuedBytes === 0) expect(fileIds(path)).toEqual(ids);
          expect(out.lines).toBe(ids.length);
        }
        await endOfTurn();
        expect(fileIds(path)).toEqual(ids);
        out.close();
        expect(fileIds(path)).toEqual(ids);
      } finally {
        cleanup();
      }
    },
  );

  it('queue: a record waits for the end of the turn, not for later records; close writes what is queued', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'out.jsonl');
      const out = JsonlWriter.open(path, { truncate: true });
      out.queue({ id: 1 });
      out.queue({ id: 2 });
      expect(fileIds(path)).toEqual([]);
      await endOfTurn();
      expect(fileIds(path)).toEqual([1, 2]);
      out.queue({ id: 3 });
      out.close();
      expect(fileIds(path)).toEqual([1, 2, 3]);
      expect(() => out.queue({ id: 4 })).toThrow(/after close/);
    } finally {
      cleanup();
    }
  });

  test.prop(
    [
      fc.array(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 40 }),
          fc.string({ unit: 'binary', maxLength: 12 }),
          fc.integer({ min: 20_000, max: 70_000 }).map((n) => 'é'.repeat(n)),
        ),
        { maxLength: 12 },
      ),
      fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
    ],
    { numRuns: 30 },
  )(
    'queue and write: every line in call order, byte for byte what JSON.stringify gives, long lines and any text included',
    async (tokens, queued) => {
      const { dir, cleanup } = tempDir();
      try {
        const path = join(dir, 'out.jsonl');
        const out = JsonlWriter.open(path, { truncate: true });
        const records = tokens.map((token, id) => ({ id, token }));
        for (const [k, record] of records.entries()) {
          if (queued[k]) out.queue(record);
          else out.write(record);
        }
        out.close();
        const expected = records.map((r) => `${JSON.stringify(r)}\n`).join('');
        expect(readFileSync(path).equals(Buffer.from(expected))).toBe(true);
        expect(out.lines).toBe(records.length);
      } finally {
        cleanup();
      }
    },
  );

  it.skipIf(!existsSync('/dev/full'))(
    'queue: a failed write at the end of the turn is thrown by the next call',
    async () => {
      const out = JsonlWriter.open('/dev/full', { truncate: false });
      out.queue({ id: 1 });
      await endOfTurn();
      expect(() => out.queue({ id: 2 })).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
      out.queue({ id: 3 });
      expect(() => out.close()).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
      out.close();
    },
  );
});
