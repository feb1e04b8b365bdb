/**
 * Task input types for the typed client, read from the user's own task
 * definitions: `createClient<typeof tasks>()` where
 * `tasks = { hello: defineTask({ input: z.object({ to: z.string() }), run }) }`.
 *
 * The client never imports the definitions' code, only their types: core's
 * `InferTaskInput` reads each task's input type structurally.
 *
 * Callbacks are typed by what they run with. A callback of a parent that is
 * not `immutable` runs with `[received, ...args]` (the parent's result or
 * error, a chord's results), so its task must take an array, and its own
 * `input` is `args`: the rest of that array. A callback of an `immutable`
 * parent runs with its own input, typed as for any job. Neither has a `key`,
 * `delayMs` or `runAt`.
 */
import type { ChainRequest, GroupRequest, InferTaskInput, JobRequest, Json } from '@cadre/core';

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

/** The task map of the untyped client, which takes core's plain request types. */
type IsAny<Tasks> = string extends keyof Tasks ? true : false;
type Names<Tasks> = keyof Tasks & string;

type Fields = Omit<JobRequest, 'task' | 'input' | 'onSuccess' | 'onError' | 'immutable'>;
/** A job of a chain or a group: no idempotency key. */
type FlowFields = Omit<Fields, 'key'>;
/** A callback: it runs when it fires, and has no idempotency key. */
type CallbackFields = Omit<Fields, 'key' | 'delayMs' | 'runAt'>;

/** A request of one of the tasks, with its own input. */
type WithOwnInput<Tasks, F> = {
  [K in Names<Tasks>]: F & { task: K } & InputField<TaskInputOf<Tasks[K]>> & Links<Tasks>;
}[Names<Tasks>];

/** The array part of an input type (any JSON array for an input of any type). */
type ArrayPart<I> = unknown extends I ? Json[] : Extract<I, readonly unknown[]>;
/** What follows the first element of an array type. */
type Rest<A> = A extends readonly [unknown, ...infer R]
  ? R
  : A extends readonly (infer E)[]
    ? E[]
    : never;

/** A callback that receives something first: only tasks that take an array. */
type WithArgs<Tasks> = {
  [K in Names<Tasks>]: [ArrayPart<TaskInputOf<Tasks[K]>>] extends [never]
    ? never
    : CallbackFields & {
        task: K;
        /** Its arguments after what it receives. */
        input?: Rest<ArrayPart<TaskInputOf<Tasks[K]>>>;
      } & Links<Tasks>;
}[Names<Tasks>];

/** A request's callbacks, typed by whether it passes its result (or error) on. */
type Links<Tasks> =
  | {
      immutable: true;
      onSuccess?: readonly WithOwnInput<Tasks, CallbackFields>[];
      onError?: readonly WithOwnInput<Tasks, CallbackFields>[];
    }
  | {
      immutable?: false;
      onSuccess?: readonly WithArgs<Tasks>[];
      onError?: readonly WithArgs<Tasks>[];
    };

/** A JobRequest whose `input` has the type its task declares; a union over the tasks. */
export type TypedJobRequest<Tasks extends TaskMap = AnyTasks> =
  IsAny<Tasks> extends true ? JobRequest : WithOwnInput<Tasks, Fields>;

/** A callback whose parent passes its result (or error) on: its input is the further arguments. */
export type TypedCallbackRequest<Tasks extends TaskMap = AnyTasks> =
  IsAny<Tasks> extends true ? JobRequest : WithArgs<Tasks>;

/**
 * A chain: the first step takes its own input; each later one receives the
 * result of the one before unless that one is `immutable`, which the types do
 * not follow, so a later step may be either kind of callback.
 */
export type TypedChainRequest<Tasks extends TaskMap = AnyTasks> =
  IsAny<Tasks> extends true
    ? ChainRequest
    : {
        jobs: readonly [
          WithOwnInput<Tasks, FlowFields>,
          ...(WithArgs<Tasks> | WithOwnInput<Tasks, CallbackFields>)[],
        ];
      };

/** A group: its members take their own input; its chord callback receives their results. */
export type TypedGroupRequest<Tasks extends TaskMap = AnyTasks> =
  IsAny<Tasks> extends true
    ? GroupRequest
    : {
        jobs: readonly WithOwnInput<Tasks, FlowFields>[];
        callback?: WithArgs<Tasks>;
      };
