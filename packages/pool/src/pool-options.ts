/**
 * The options of `createPool`, their defaults, and their validation: every
 * message names the option it is about.
 */
import { isAbsolute } from 'node:path';
import type { ResourceLimits } from 'node:worker_threads';
import { Errors } from '@cadre/core';
import type { TaskSpec } from './task-pool.js';

export interface PoolOptions {
  /** Worker threads, started at once and kept for the pool's life. */
  workers: number;
  /** The only tasks the pool runs, by name. */
  tasks: TaskSpec[];
  /**
   * Limits of each worker thread (see `worker_threads.ResourceLimits`). A task
   * that exceeds them kills its thread: that attempt ends as a crash. Keys
   * left out take the default.
   * @defaultValue `{ maxOldGenerationSizeMb: 512 }`
   */
  resourceLimits?: ResourceLimits;
  /**
   * Largest accepted result, in bytes of its JSON text. Results are stored
   * and broadcast; a larger one fails the attempt permanently.
   * @defaultValue 1_048_576 (1 MiB)
   */
  maxResultBytes?: number;
  /**
   * Called on the main thread with the progress a running attempt reports;
   * at most one call per attempt every `progressIntervalMs`. It must not
   * throw (what it throws becomes a process warning).
   * @defaultValue none
   */
  onProgress?: (jobId: string, percent: number) => void;
  /**
   * When an attempt times out or is cancelled while running, its `ctx.signal`
   * is aborted first and its thread is terminated only if the handler has not
   * returned this many ms later. 0 terminates the thread at once.
   * @defaultValue 100
   */
  abortGraceMs?: number;
  /**
   * Shortest time between two progress reports of one attempt, in ms; the
   * latest value within the interval is sent at its end.
   * @defaultValue 100
   */
  progressIntervalMs?: number;
}

export interface ResolvedPoolOptions {
  workers: number;
  tasks: { name: string; module: string; export: string }[];
  resourceLimits: ResourceLimits;
  maxResultBytes: number;
  onProgress: ((jobId: string, percent: number) => void) | null;
  abortGraceMs: number;
  progressIntervalMs: number;
}

export const POOL_DEFAULTS = {
  resourceLimits: { maxOldGenerationSizeMb: 512 },
  maxResultBytes: 1024 * 1024,
  abortGraceMs: 100,
  progressIntervalMs: 100,
} as const;

const RESOURCE_LIMIT_KEYS = [
  'maxOldGenerationSizeMb',
  'maxYoungGenerationSizeMb',
  'codeRangeSizeMb',
  'stackSizeMb',
] as const;

export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  if (typeof options !== 'object' || options === null) {
    throw Errors.validation('options must be an object');
  }
  const { workers, tasks, resourceLimits, maxResultBytes, onProgress } = options;
  const { abortGraceMs, progressIntervalMs } = options;
  if (!isPositiveInteger(workers)) {
    throw Errors.validation('options.workers must be a positive integer');
  }
  if (!Array.isArray(tasks)) {
    throw Errors.validation('options.tasks must be an array');
  }
  const names = new Set<string>();
  const resolvedTasks = tasks.map((spec: unknown, i) => {
    if (typeof spec !== 'object' || spec === null) {
      throw Errors.validation(`options.tasks[${i}] must be an object`);
    }
    const { name, module, export: exportName = 'default' } = spec as Partial<TaskSpec>;
    if (typeof name !== 'string' || name === '') {
      throw Errors.validation(`options.tasks[${i}].name must be a non-empty string`);
    }
    if (names.has(name)) {
      throw Errors.validation(`options.tasks[${i}].name '${name}' is already registered`);
    }
    names.add(name);
    if (typeof module !== 'string' || !isAbsolute(module)) {
      throw Errors.validation(`options.tasks[${i}].module must be an absolute path`);
    }
    if (typeof exportName !== 'string' || exportName === '') {
      throw Errors.validation(`options.tasks[${i}].export must be a non-empty string`);
    }
    return { name, module, export: exportName };
  });
  if (resourceLimits !== undefined) {
    if (typeof resourceLimits !== 'object' || resourceLimits === null) {
      throw Errors.validation('options.resourceLimits must be an object');
    }
    for (const key of RESOURCE_LIMIT_KEYS) {
      const value = resourceLimits[key];
      if (value !== undefined && !(typeof value === 'number' && value > 0 && value < Infinity)) {
        throw Errors.validation(`options.resourceLimits.${key} must be a positive number`);
      }
    }
  }
  if (maxResultBytes !== undefined && !isPositiveInteger(maxResultBytes)) {
    throw Errors.validation('options.maxResultBytes must be a positive integer');
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw Errors.validation('options.onProgress must be a function');
  }
  if (abortGraceMs !== undefined && !isNonNegativeInteger(abortGraceMs)) {
    throw Errors.validation('options.abortGraceMs must be a non-negative integer');
  }
  if (progressIntervalMs !== undefined && !isNonNegativeInteger(progressIntervalMs)) {
    throw Errors.validation('options.progressIntervalMs must be a non-negative integer');
  }
  return {
    workers,
    tasks: resolvedTasks,
    resourceLimits: { ...POOL_DEFAULTS.resourceLimits, ...resourceLimits },
    maxResultBytes: maxResultBytes ?? POOL_DEFAULTS.maxResultBytes,
    onProgress: onProgress ?? null,
    abortGraceMs: abortGraceMs ?? POOL_DEFAULTS.abortGraceMs,
    progressIntervalMs: progressIntervalMs ?? POOL_DEFAULTS.progressIntervalMs,
  };
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

function isNonNegativeInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
