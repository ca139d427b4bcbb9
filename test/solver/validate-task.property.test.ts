import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { InvalidTaskError } from '../../src/solver/invalid-task-error.js';
import type { Task } from '../../src/solver/task.js';
import { taskParams } from '../../src/solver/task-params.js';
import { validateTask } from '../../src/solver/validate-task.js';

const text = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0);
const pageurl = fc.webUrl({ validSchemes: ['http', 'https'] });
const common = { id: fc.option(fc.oneof(fc.string(), fc.integer()), { nil: undefined }) };

const validTask: fc.Arbitrary<Task> = fc.oneof(
  fc.record(
    {
      type: fc.constant('recaptcha-v2' as const),
      sitekey: text,
      pageurl,
      invisible: fc.boolean(),
      ...common,
    },
    { requiredKeys: ['type', 'sitekey', 'pageurl'] },
  ),
  fc.record(
    {
      type: fc.constant('recaptcha-v3' as const),
      sitekey: text,
      pageurl,
      action: fc.string(),
      minScore: fc.double({ min: 0.1, max: 0.9, noNaN: true }),
    },
    { requiredKeys: ['type', 'sitekey', 'pageurl'] },
  ),
  fc.record({ type: fc.constant('hcaptcha' as const), sitekey: text, pageurl }),
  fc.record(
    {
      type: fc.constant('turnstile' as const),
      sitekey: text,
      pageurl,
      action: fc.string(),
      data: fc.string(),
      priority: fc.integer(),
    },
    { requiredKeys: ['type', 'sitekey', 'pageurl'] },
  ),
  fc.record({
    type: fc.constant('image' as const),
    body: fc.base64String({ minLength: 4 }).filter((s) => s.length > 0),
  }),
) as fc.Arbitrary<Task>;

const badValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(''),
  fc.constant('   '),
  fc.integer(),
  fc.constant({}),
);

describe('validateTask', () => {
  test.prop([validTask])('accepts every well-formed task', (task) => {
    expect(() => validateTask(task)).not.toThrow();
  });

  test.prop([validTask])('taskParams carries the method and never the key or json', (task) => {
    const params = taskParams(task);
    const names = params.map(([name]) => name);
    expect(names[0]).toBe('method');
    expect(names).not.toContain('key');
    expect(names).not.toContain('json');
    for (const [, value] of params) expect(typeof value).toBe('string');
  });

  test.prop([validTask, badValue, fc.boolean()])(
    'a bad required field is rejected, naming that field',
    (task, bad, first) => {
      const field = task.type === 'image' ? 'body' : first ? 'sitekey' : 'pageurl';
      const broken = { ...task, [field]: bad };
      let thrown: unknown;
      try {
        validateTask(broken);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidTaskError);
      expect((thrown as InvalidTaskError).field).toBe(field);
      expect((thrown as Error).message).toContain(`\`${field}\``);
    },
  );

  test.prop([
    validTask,
    fc
      .string()
      .filter(
        (s) => !['recaptcha-v2', 'recaptcha-v3', 'hcaptcha', 'turnstile', 'image'].includes(s),
      ),
  ])('an unknown type is rejected as `type`', (task, type) => {
    expect(() => validateTask({ ...task, type })).toThrow(
      expect.objectContaining({ field: 'type' }),
    );
  });
});
