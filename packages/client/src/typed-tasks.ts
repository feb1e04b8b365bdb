/**
 * Task input types for the typed client, read from the user's own task
 * definitions: `createClient<typeof tasks>()` where
 * `tasks = { hello: defineTask({ input: z.object({ to: z.string() }), run }) }`.
 *
 * The client never imports the definitions' code, only their types: core's
 * `InferTaskInput` reads each task's input type structurally.
 */
import type { InferTaskInput, JobRequest } from '@cadre/core';

/** Task name → definition (or handler): `typeof tasks` of the user's project. */
export type TaskMap = object;

/** The client's default: any task, any JSON input. */
export type AnyTasks = Record<string, unknown>;

/** What a job of task `T` submits as its input (core's `InferTaskInput`). */
export type TaskInputOf<T> = InferTaskInput<T>;

/** `input` may be left out only where the task takes null or nothing. */
type InputField<I> = [undefined] extends [I]
  ? { input?: I }
  : [null] extends [I]
    ? { input?: I }
    : { input: I };

/** A JobRequest whose `input` has the type its task declares; a union over the tasks. */
export type TypedJobRequest<Tasks extends TaskMap = AnyTasks> = {
  [K in keyof Tasks & string]: Omit<JobRequest, 'task' | 'input'> & {
    task: K;
  } & InputField<TaskInputOf<Tasks[K]>>;
}[keyof Tasks & string];
