/** The messages between `inspectTasks` and its short-lived thread. */
import type { TaskModuleSpec } from './task-module.js';

export interface InspectSetup {
  tasks: TaskModuleSpec[];
}

export type InspectResult =
  | {
      ok: true;
      kind: 'function' | 'definition';
      /** A definition with an `input` schema (whether or not it gives a JSON Schema). */
      declaresInput: boolean;
      inputSchema: Record<string, unknown> | null;
      warning: string | null;
    }
  | { ok: false; reason: string };

/** Thread → caller: the result of `tasks[index]`; first, `{ index: -1 }` once the thread runs. */
export type InspectMessage = { index: -1 } | { index: number; result: InspectResult };
