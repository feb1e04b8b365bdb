/**
 * `cadre check`: the config's validation and the start's task checks, with
 * nothing started (no data directory, no port), for users' CI pipelines.
 * One line per task; exit 0 when everything can run, 1 otherwise.
 */
import { isCadreError, toErrorMessage } from '@cadre/core';
import { checkTasks, describeTaskProblem } from '../config/check-tasks.js';
import { loadConfig } from '../config/load-config.js';

export interface CheckIo {
  out: (line: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
}

export async function checkCommand(file: string | undefined, io: CheckIo): Promise<number> {
  let loaded;
  try {
    loaded = loadConfig({ file, env: io.env, cwd: io.cwd });
  } catch (err) {
    io.out(`config: ${isCadreError(err) ? err.message : toErrorMessage(err)}`);
    return 1;
  }
  const { config } = loaded;
  io.out(
    `config ${loaded.file}: ok (${count(config.categories.length, 'category', 'categories')}, ${count(config.tasks.length, 'task', 'tasks')})`,
  );
  const checks = await checkTasks(config);
  for (const check of checks) {
    if (check.problem !== null) {
      io.out(`FAIL ${describeTaskProblem(check)}`);
      continue;
    }
    const schema =
      check.schema === 'module'
        ? ', input schema from defineTask'
        : check.schema === 'file'
          ? ', input schema from its .schema.json'
          : '';
    io.out(`ok   task '${check.task.name}' (${check.task.module}${schema})`);
    if (check.warning !== null) io.out(`     warning: ${check.warning}`);
  }
  const failed = checks.filter((c) => c.problem !== null).length;
  io.out(
    failed === 0
      ? `all ${checks.length} tasks can run`
      : `${failed} of ${checks.length} tasks cannot run`,
  );
  return failed === 0 ? 0 : 1;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
