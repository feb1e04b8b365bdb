/**
 * The registered tasks, checked before anything starts (`cadre start`,
 * `cadre check`): every module is loaded once in a worker thread, and a task
 * that cannot run stops the start with its name, its file and the reason,
 * instead of failing its first job. The same pass takes each `defineTask`
 * input's JSON Schema into the config, for validation at submission.
 */
import { Errors, type EngineConfig, type TaskConfig } from '@cadre/core';
import { inspectTasks, type InspectOptions } from '@cadre/pool';

export interface TaskCheck {
  /** The task, with `inputSchema` filled in from its module when it declares one. */
  task: TaskConfig;
  /** Why the task cannot run; `null` when it can. */
  problem: string | null;
  /** Worth knowing, but no reason to refuse it. */
  warning: string | null;
  /** Where its input schema comes from. */
  schema: 'module' | 'file' | null;
}

export async function checkTasks(
  config: EngineConfig,
  options?: InspectOptions,
): Promise<TaskCheck[]> {
  const inspections = await inspectTasks(config.tasks, options);
  return config.tasks.map((task, i): TaskCheck => {
    const seen = inspections[i]!;
    const fromFile = task.inputSchema === null ? null : ('file' as const);
    if (!seen.ok) return { task, problem: seen.reason, warning: null, schema: fromFile };
    if (seen.declaresInput && fromFile !== null) {
      return {
        task,
        problem:
          'its input is declared twice, by defineTask({ input }) and by a .schema.json file ' +
          'next to the module: keep one',
        warning: null,
        schema: fromFile,
      };
    }
    if (seen.inputSchema !== null) {
      return {
        task: { ...task, inputSchema: seen.inputSchema },
        problem: null,
        warning: seen.warning,
        schema: 'module',
      };
    }
    return { task, problem: null, warning: seen.warning, schema: fromFile };
  });
}

/** `task 'x' (file): reason` for each task that cannot run. */
export function describeTaskProblem(check: TaskCheck): string {
  return `task '${check.task.name}' (${check.task.module}): ${check.problem}`;
}

/**
 * The config to run: tasks as checked. Throws ERR_CONFIG, naming the config
 * file and every task that cannot run, in one message.
 */
export function checkedConfig(
  file: string,
  config: EngineConfig,
  checks: readonly TaskCheck[],
): EngineConfig {
  const failed = checks.filter((c) => c.problem !== null);
  if (failed.length > 0) {
    throw Errors.config(file, failed.map(describeTaskProblem).join('; '), {
      tasks: failed.map((c) => ({ task: c.task.name, module: c.task.module, reason: c.problem })),
    });
  }
  return { ...config, tasks: checks.map((c) => c.task) };
}
