/**
 * `inspectTasks`: loads every registered task's module once, in a short-lived
 * worker thread (never the caller's thread: a task's top level may block,
 * crash or leave timers behind), and reports for each task whether its
 * export can run, and the JSON Schema of its declared input.
 *
 * A module that hangs, ends its thread or crashes it is reported for its own
 * task; the tasks after it are inspected in a fresh thread.
 */
import { Worker } from 'node:worker_threads';
import type { InspectMessage, InspectResult, InspectSetup } from './inspect-protocol.js';
import type { TaskModuleSpec } from './task-module.js';
import type { TaskSpec } from './task-pool.js';
import { WORKER_EXEC_ARGV, workerFile } from './worker-file.js';

export type TaskInspection = TaskModuleSpec & InspectResult;

export interface InspectOptions {
  /**
   * How long one module may take to load before it is reported as hanging.
   * @defaultValue 30_000
   */
  loadTimeoutMs?: number;
}

const INSPECT_WORKER = workerFile('inspect-worker');

export async function inspectTasks(
  tasks: readonly TaskSpec[],
  options: InspectOptions = {},
): Promise<TaskInspection[]> {
  const loadTimeoutMs = options.loadTimeoutMs ?? 30_000;
  const specs: TaskModuleSpec[] = tasks.map((t) => ({
    name: t.name,
    module: t.module,
    export: t.export ?? 'default',
  }));
  const results: (InspectResult | undefined)[] = new Array<undefined>(specs.length);
  let from = 0;
  while (from < specs.length) {
    from = await inspectFrom(specs, from, results, loadTimeoutMs);
  }
  return specs.map((spec, i) => ({ ...spec, ...results[i]! }));
}

/** Inspects `specs[from..]` in one thread; resolves with where the next thread must start. */
function inspectFrom(
  specs: TaskModuleSpec[],
  from: number,
  results: (InspectResult | undefined)[],
  loadTimeoutMs: number,
): Promise<number> {
  return new Promise((resolve) => {
    const setup: InspectSetup = { tasks: specs.slice(from) };
    const worker = new Worker(INSPECT_WORKER, { workerData: setup, execArgv: WORKER_EXEC_ARGV });
    let next = from;
    let settled = false;
    const finish = (failure: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (failure !== null && next < specs.length) results[next++] = { ok: false, reason: failure };
      // Modules may leave timers or sockets open: the thread has done its job.
      void worker.terminate();
      resolve(next);
    };
    const arm = (): NodeJS.Timeout =>
      setTimeout(
        () => finish(`did not finish loading within ${loadTimeoutMs} ms`),
        loadTimeoutMs,
      ).unref();
    // Armed once the thread runs: booting it is not the modules' loading time.
    let timer: NodeJS.Timeout | undefined;
    worker.on('message', (message: InspectMessage) => {
      clearTimeout(timer);
      if (!('result' in message)) {
        timer = arm();
        return;
      }
      results[from + message.index] = message.result;
      next = from + message.index + 1;
      if (next === specs.length) finish(null);
      else timer = arm();
    });
    worker.on('error', (err) => finish(`crashed its thread while loading: ${err.message}`));
    worker.on('exit', (code) => finish(`ended its thread while loading (exit code ${code})`));
  });
}
