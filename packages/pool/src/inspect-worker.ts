/**
 * The thread side of `inspectTasks`: imports each task's module once, checks
 * its export, and posts one `InspectMessage` per task, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorMessage, type StandardSchemaV1 } from '@cadre/core';
import type { InspectMessage, InspectResult, InspectSetup } from './inspect-protocol.js';
import { importTaskModule, taskExport, TaskLoadError, type ModuleCache } from './task-module.js';

const { tasks } = workerData as InspectSetup;
const modules: ModuleCache = new Map();

// Thread boot (and tsx, from source) is not the modules' loading time.
parentPort!.postMessage({ index: -1 } satisfies InspectMessage);

for (const [index, spec] of tasks.entries()) {
  const message: InspectMessage = { index, result: await inspect(spec) };
  parentPort!.postMessage(message);
}

async function inspect(spec: InspectSetup['tasks'][number]): Promise<InspectResult> {
  try {
    const task = taskExport(spec, await importTaskModule(spec, modules));
    if (typeof task === 'function' || task.input === null) {
      const kind = typeof task === 'function' ? 'function' : 'definition';
      return { ok: true, kind, declaresInput: false, inputSchema: null, warning: null };
    }
    return { ok: true, kind: 'definition', declaresInput: true, ...jsonSchemaOf(task.input) };
  } catch (err) {
    return { ok: false, reason: err instanceof TaskLoadError ? err.reason : toErrorMessage(err) };
  }
}

/** Through the Standard JSON Schema interface (zod ≥ 4.2 has it at run time). */
function jsonSchemaOf(schema: StandardSchemaV1): {
  inputSchema: Record<string, unknown> | null;
  warning: string | null;
} {
  const props = schema['~standard'] as StandardSchemaV1['~standard'] & {
    jsonSchema?: { input?: (options: { target: string }) => Record<string, unknown> };
  };
  const unchecked = 'its input is checked in the worker only, not when a job is submitted';
  if (typeof props.jsonSchema?.input !== 'function') {
    return {
      inputSchema: null,
      warning: `its ${props.vendor} input schema cannot give a JSON Schema: ${unchecked}`,
    };
  }
  try {
    // Through JSON: only plain data crosses to the main thread and into the config.
    const json = JSON.parse(JSON.stringify(props.jsonSchema.input({ target: 'draft-2020-12' })));
    return { inputSchema: json as Record<string, unknown>, warning: null };
  } catch (err) {
    return {
      inputSchema: null,
      warning: `its input schema cannot be written as JSON Schema (${toErrorMessage(err)}): ${unchecked}`,
    };
  }
}
