import { expectTypeOf, test } from 'vitest';
import {
  type BufferStage,
  boundedBuffer,
  compose,
  type DropReason,
  type ShedStage,
  type Source,
  type Stage,
  type StageOutput,
  shed,
} from '../../src/index.js';

interface Task {
  id: string;
  priority: number;
}

test('boundedBuffer and shed are stages of their item type', () => {
  expectTypeOf(boundedBuffer<Task>(5)).toEqualTypeOf<BufferStage<Task>>();
  expectTypeOf(boundedBuffer<Task>(5)).toExtend<Stage<Task, Task>>();
  expectTypeOf(shed<Task>(5)).toExtend<Stage<Task, Task>>();
  expectTypeOf(shed<Task>({ capacity: 5 })).toEqualTypeOf<ShedStage<Task>>();
  expectTypeOf(boundedBuffer<Task>(5)([] as Task[])).toExtend<AsyncIterable<Task>>();
  expectTypeOf(boundedBuffer<Task>(5).stats().producerWaitMs).toEqualTypeOf<number>();
  expectTypeOf(shed<Task>(5).stats().droppedByReason.full).toEqualTypeOf<number>();
});

test('shed callbacks receive the item type', () => {
  shed<Task>({
    capacity: 3,
    priority: (task) => {
      expectTypeOf(task).toEqualTypeOf<Task>();
      return task.priority;
    },
    onDrop: (task, reason) => {
      expectTypeOf(task).toEqualTypeOf<Task>();
      expectTypeOf(reason).toEqualTypeOf<DropReason>();
    },
  });
  // @ts-expect-error priority must return a number
  shed<Task>({ capacity: 3, priority: (task: Task) => task.id });
  // @ts-expect-error capacity is required
  shed<Task>({ order: 'fifo' });
  // @ts-expect-error unknown serving order
  shed<Task>({ capacity: 3, order: 'lifo' });
});

test('compose infers the output of a chain', () => {
  const toId: Stage<Task, string> = async function* (source: Source<Task>) {
    for await (const task of source) yield task.id;
  };
  const chain = compose(boundedBuffer<Task>(10), shed<Task>(5), toId);
  expectTypeOf(chain).toEqualTypeOf<Stage<Task, string>>();
  expectTypeOf<StageOutput<typeof chain>>().toEqualTypeOf<string>();
  // @ts-expect-error the stages do not fit together
  compose(toId, boundedBuffer<Task>(10));
});

test('options are checked by type', () => {
  // @ts-expect-error highWaterMark must be a number
  boundedBuffer<Task>('50');
  // @ts-expect-error highWaterMark is required
  boundedBuffer<Task>({});
});
