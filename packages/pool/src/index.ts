export { createPool } from './create-pool.js';
export { POOL_DEFAULTS, type PoolOptions } from './pool-options.js';
export type { TaskContext, TaskHandler } from './task-context.js';
export { PermanentFailure, RetryLater } from './task-errors.js';
export type { RunRequest, TaskPool, TaskSpec } from './task-pool.js';
