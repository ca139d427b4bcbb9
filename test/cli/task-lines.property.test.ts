/**
 * Input lines: every line becomes exactly one task, reject or skip; ids of tasks are unique;
 * a duplicate is rejected and a recorded id skipped.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { TaskId } from '../../src/cli/solve-record.js';
import { countLines, parseTaskLine } from '../../src/cli/task-lines.js';
import { tempDir, writeLines } from './cli-process.js';

const id = fc.oneof(fc.constantFrom('a', 'b', 'c', '1'), fc.constantFrom(1, 2, 3));
const line = fc.oneof(
  id.map((i) =>
    JSON.stringify({ id: i, type: 'turnstile', sitekey: 's', pageurl: 'https://e.example' }),
  ),
  fc.constant(JSON.stringify({ type: 'hcaptcha', sitekey: 's', pageurl: 'https://e.example' })),
  id.map((i) => JSON.stringify({ id: i, type: 'turnstile', pageurl: 'https://e.example' })),
  fc.constantFrom('not json', '[]', 'null', '{"type":"nope"}'),
);

describe('parseTaskLine', () => {
  test.prop([fc.array(line, { maxLength: 30 }), fc.uniqueArray(id, { maxLength: 3 })])(
    'one outcome per line; task ids unique; duplicates rejected; recorded ids skipped',
    (lines, recordedIds) => {
      const seen = new Set<TaskId>();
      const recorded = new Set<TaskId>(recordedIds);
      const taskIds: TaskId[] = [];
      lines.forEach((text, i) => {
        const outcome = parseTaskLine(text, i + 1, seen, recorded);
        expect(outcome.line).toBe(i + 1);
        if (outcome.kind === 'task') {
          expect(recorded.has(outcome.task.id)).toBe(false);
          taskIds.push(outcome.task.id);
        } else if (outcome.kind === 'skip') {
          expect(recorded.has(outcome.id)).toBe(true);
        } else if (outcome.id !== undefined && /duplicate/.test(outcome.reason)) {
          expect(taskIds).toContain(outcome.id);
        }
      });
      expect(new Set(taskIds).size).toBe(taskIds.length);
      // 1 and '1' are different ids, as in JSON.
      expect(taskIds.filter((t) => t === 1).length).toBeLessThanOrEqual(1);
    },
  );

  it('gives a task without id its line number, and keeps numbers and strings apart', () => {
    const seen = new Set<TaskId>();
    const task = (text: string, n: number) => parseTaskLine(text, n, seen, new Set());
    expect(
      task('{"type":"hcaptcha","sitekey":"s","pageurl":"https://e.example"}', 7),
    ).toMatchObject({
      kind: 'task',
      task: { id: 7 },
    });
    expect(
      task('{"id":"7","type":"hcaptcha","sitekey":"s","pageurl":"https://e.example"}', 8).kind,
    ).toBe('task');
    expect(
      task('{"id":7,"type":"hcaptcha","sitekey":"s","pageurl":"https://e.example"}', 9),
    ).toMatchObject({
      kind: 'reject',
      reason: expect.stringMatching(/duplicate id 7/),
    });
  });

  it('never puts an image body in a reason beyond a short prefix', () => {
    const body = 'A'.repeat(10_000);
    const outcome = parseTaskLine(
      JSON.stringify({ type: 'image', body: `data:${body}` }),
      1,
      new Set(),
      new Set(),
    );
    expect(outcome.kind).toBe('reject');
    expect((outcome as { reason: string }).reason.length).toBeLessThanOrEqual(201);
  });
});

describe('countLines', () => {
  it('counts non-blank lines, with or without a last newline or CRLF', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeLines(join(dir, 'a'), ['x', 'y', '', 'z']);
      expect(await countLines(join(dir, 'a'))).toBe(3);
      writeFileSync(join(dir, 'b'), 'x\r\n\r\ny');
      expect(await countLines(join(dir, 'b'))).toBe(2);
      writeFileSync(join(dir, 'c'), '');
      expect(await countLines(join(dir, 'c'))).toBe(0);
    } finally {
      cleanup();
    }
  });
});
