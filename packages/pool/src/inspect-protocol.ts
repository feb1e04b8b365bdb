/** The messages between `inspectTasks` and its short-lived thread. */
import type { TaskModuleSpec } from './task-module.js';

export interface InspectSetup {
  tasks: TaskModuleSpec[];
}

export type InspectResult =
  | {
      ok: true;
      kind: 'function' | 'definition';
      inputSchema: Record<string, unknown> | null;
      warning: string | null;
    }
  | { ok: false; reason: string };

/** Thread → caller: the result of `tasks[index]`; first, `{ index: -1 }` once the thread runs. */
export type InspectMessage = { index: -1 } | { index: number; result: InspectResult };
