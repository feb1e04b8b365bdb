export { createPool } from './create-pool.js';
export { defineTask, isTaskDefinition } from './define-task.js';
export type { TaskDefinitionOptions, UntypedTaskDefinitionOptions } from './define-task.js';
export { inspectTasks, type InspectOptions, type TaskInspection } from './inspect-tasks.js';
export { POOL_DEFAULTS, type PoolOptions } from './pool-options.js';
export { PermanentFailure, RetryLater } from './task-errors.js';
export type { BatchOutcome, RunBatch, RunRequest, TaskPool, TaskSpec } from './task-pool.js';
export type {
  InferTaskInput,
  InferTaskOutput,
  TaskContext,
  TaskDefinition,
  TaskHandler,
} from '@cadre/core';
