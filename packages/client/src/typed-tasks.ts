/**
 * Task input types for the typed client, read from the user's own task
 * definitions: `createClient<typeof tasks>()` where
 * `tasks = { hello: defineTask({ input: z.object({ to: z.string() }), run }) }`.
 *
 * Structural on purpose: anything whose `input` is a Standard Schema
 * (https://standardschema.dev: zod, valibot, arktype, and what `defineTask`
 * returns) gives the schema's input type; a plain handler
 * `(input: I, ctx) => …` gives `I`; anything else takes any JSON. The client
 * never imports the definitions' code, only their types.
 */
import type { JobRequest, Json } from '@cadre/core';

/** Task name → definition (or handler): `typeof tasks` of the user's project. */
export type TaskMap = object;

/** The client's default: any task, any JSON input. */
export type AnyTasks = Record<string, unknown>;

/** What a job of task `T` submits as its input. */
export type TaskInputOf<T> = T extends { readonly input: infer S }
  ? SchemaInput<NonNullable<S>, T>
  : // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any ctx the handler takes
    T extends (input: infer I, ...rest: any[]) => unknown
    ? I
    : Json;

/** Tuples keep a `null` schema (`never` once non-null) from collapsing the type. */
type SchemaInput<S, T> = [S] extends [never]
  ? RunInput<T>
  : [S] extends [{ readonly '~standard': { readonly types?: infer Types } }]
    ? [NonNullable<Types>] extends [{ readonly input: infer I }]
      ? I
      : RunInput<T>
    : RunInput<T>;

/** A definition without a typed schema: what its `run` takes. */
type RunInput<T> =
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any ctx the handler takes
  T extends { run(input: infer I, ...rest: any[]): unknown } ? I : Json;

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
