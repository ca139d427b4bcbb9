import assert from 'node:assert/strict';
import { boundedBuffer, compose, type Source, type Stage, shed } from 'backpressure-kit';

interface Task {
  id: number;
  priority: number;
}

// Any function of an async iterable is a stage; this one turns tasks into ids.
const toId: Stage<Task, string> = async function* (tasks: Source<Task>) {
  for await (const task of tasks) yield `task-${task.id}`;
};

// compose() chains stages left to right into one stage, with the output type inferred:
// here Stage<Task, string>.
const intake = compose(boundedBuffer<Task>(10), shed<Task>({ capacity: 5 }), toId);

const tasks = Array.from({ length: 3 }, (_, id) => ({ id, priority: 0 }));
const ids: string[] = [];
for await (const id of intake(tasks)) ids.push(id);
assert.deepEqual(ids, ['task-0', 'task-1', 'task-2']);
