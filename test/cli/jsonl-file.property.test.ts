/**
 * The results file: what the writer wrote, the reader reads back; a torn last line (a crash in
 * the middle of a write) is cut off and never read as a record, and later appends start clean.
 */
import { appendFileSync, readFileSync } from 'node:fs';
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
});
