/**
 * What a task module exports, as types only. The pool runs it; the typed
 * client reads a task's input type from `typeof` a definition without
 * importing the pool (and its worker threads).
 *
 * Inputs are declared with the Standard Schema interface
 * (https://standardschema.dev), which zod 4, valibot and arktype implement,
 * so cadre forces no schema library on its users. The types below are that
 * interface, copied as its authors intend; they stay structurally compatible
 * with the library's own.
 */
import type { Json } from './job.js';

/** A schema of any library that implements Standard Schema v1. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaProps<Input, Output>;
}

export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly validate: (
    value: unknown,
    options?: { readonly libraryOptions?: Record<string, unknown> | undefined },
  ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardSchemaIssue[] };

export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** What a job's input must look like before the schema parses it. */
export type InferSchemaInput<S extends StandardSchemaV1> = NonNullable<
  S['~standard']['types']
>['input'];
/** What the schema turns a valid input into: what `run` receives. */
export type InferSchemaOutput<S extends StandardSchemaV1> = NonNullable<
  S['~standard']['types']
>['output'];

/** The second argument of every task: the attempt it runs in. */
export interface TaskContext {
  readonly jobId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * Aborted when the attempt timed out or its job was cancelled. The thread is
   * terminated a grace period later unless the task has returned by then, so
   * a task that listens to it can clean up and keep its thread warm.
   */
  readonly signal: AbortSignal;
  /**
   * Reports progress, 0..100 (clamped; non-finite values are ignored). Cheap to
   * call often: reports are throttled before they leave the thread.
   */
  progress(percent: number): void;
}

/**
 * A task as a plain function. Its result must be JSON-serializable; `undefined`
 * is stored as `null`. Throw `PermanentFailure` to fail without retries,
 * `RetryLater` to choose the next attempt's delay; anything else thrown is a
 * retryable error.
 */
export type TaskHandler<Input = Json, Result = Json | void> = (
  input: Input,
  ctx: TaskContext,
) => Result | Promise<Result>;

/**
 * What `defineTask` returns. `Input` is what a job submits, `Output` what
 * `run` resolves to, `Parsed` what the schema hands to `run` (its output:
 * defaults filled in, transforms applied).
 */
export interface TaskDefinition<Input = Json, Output = unknown, Parsed = Input> {
  /** The brand by which a worker recognizes a definition from any copy of @cadre/pool. */
  readonly '~cadre': 'task';
  /** Checked before every attempt; `null` when the task declares no input. */
  readonly input: StandardSchemaV1<Input, Parsed> | null;
  // A method, not a property: definitions of different inputs stay assignable
  // to `TaskDefinition<any, any, any>`-shaped collections.
  run(input: Parsed, ctx: TaskContext): Output | Promise<Output>;
}

/**
 * The input a job of this task submits: `InferTaskInput<typeof sendEmail>`.
 * Structural, so that the typed client needs only the definitions' types:
 * anything whose `input` is a Standard Schema (what `defineTask` returns, or
 * a zod, valibot or arktype schema beside a `run`) gives the schema's input
 * type; a definition without a typed schema, what its `run` takes; a plain
 * handler `(input: I, ctx) => …`, `I`; anything else, any JSON.
 */
export type InferTaskInput<T> = T extends { readonly input: infer S }
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

/** What a job of this task resolves to (its stored result). */
export type InferTaskOutput<T> =
  T extends TaskDefinition<infer _I, infer O, infer _P>
    ? Awaited<O>
    : T extends (input: never, ctx: TaskContext) => infer R
      ? Awaited<R>
      : unknown;
