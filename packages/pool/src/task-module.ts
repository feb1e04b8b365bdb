/**
 * Turning a registered task (module file + export) into something a thread
 * can call, and saying why when it cannot. Shared by the pool's threads and
 * by `inspectTasks`, so a task refused at start and a task failing at run time
 * read the same reason.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { toErrorMessage, type TaskDefinition, type TaskHandler } from '@cadre/core';
import { describeIssues, isTaskDefinition } from './define-task.js';
import { PermanentFailure } from './task-errors.js';

export interface TaskModuleSpec {
  name: string;
  module: string;
  export: string;
}

/** A task that cannot load: `reason` says why, `message` adds the task and the file. */
export class TaskLoadError extends Error {
  override name = 'TaskLoadError';
  readonly reason: string;

  constructor(spec: TaskModuleSpec, reason: string) {
    super(`task '${spec.name}' (${spec.module}): ${reason}`);
    this.reason = reason;
  }
}

export type ModuleCache = Map<string, Promise<Record<string, unknown>>>;

/** Imports the task's module (once per thread) and returns its namespace. */
export async function importTaskModule(
  spec: TaskModuleSpec,
  cache: ModuleCache,
): Promise<Record<string, unknown>> {
  let module = cache.get(spec.module);
  if (module === undefined) {
    module = import(pathToFileURL(spec.module).href) as Promise<Record<string, unknown>>;
    cache.set(spec.module, module);
  }
  try {
    return await module;
  } catch (err) {
    throw new TaskLoadError(spec, loadFailureReason(spec.module, err));
  }
}

/** The task's export: a function or a `defineTask` definition; anything else is a TaskLoadError. */
export function taskExport(
  spec: TaskModuleSpec,
  exports: Record<string, unknown>,
): TaskHandler<unknown, unknown> | TaskDefinition<unknown, unknown, unknown> {
  const value = exports[spec.export];
  if (typeof value === 'function') return value as TaskHandler<unknown, unknown>;
  if (isTaskDefinition(value)) return value;
  if (value === undefined) {
    const names = Object.keys(exports);
    throw new TaskLoadError(
      spec,
      `has no export '${spec.export}' (${names.length === 0 ? 'it exports nothing' : `its exports: ${names.join(', ')}`})`,
    );
  }
  throw new TaskLoadError(
    spec,
    `export '${spec.export}' is ${describeValue(value)}, not a function nor a defineTask() definition`,
  );
}

/** What the thread calls per attempt: the function itself, or the definition's checked `run`. */
export function toHandler(
  task: TaskHandler<unknown, unknown> | TaskDefinition<unknown, unknown, unknown>,
): TaskHandler<unknown, unknown> {
  if (typeof task === 'function') return task;
  const { input } = task;
  if (input === null) return (value, ctx) => task.run(value, ctx);
  return async (value, ctx) => {
    const result = await input['~standard'].validate(value);
    if (result.issues !== undefined) throw new PermanentFailure(describeIssues(result.issues));
    return task.run(result.value, ctx);
  };
}

function loadFailureReason(module: string, err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' && !existsSync(module)) return 'module not found';
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_UNSUPPORTED_DIR_IMPORT') {
    return `an import cannot be resolved: ${toErrorMessage(err)}`;
  }
  if (err instanceof SyntaxError) return `does not parse: ${toErrorMessage(err)}`;
  return `throws while loading: ${toErrorMessage(err)}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}
