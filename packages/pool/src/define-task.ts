/**
 * `defineTask`: a task with a declared input. The worker validates each job's
 * input with the schema before `run`, so `run` receives the schema's output
 * (defaults filled in, transforms applied) and a job submitted without the
 * server's check (embedded engine, older jobs) still cannot reach `run` with
 * a wrong input.
 */
import type {
  InferSchemaInput,
  InferSchemaOutput,
  Json,
  StandardSchemaIssue,
  StandardSchemaV1,
  TaskContext,
  TaskDefinition,
} from '@cadre/core';

export interface TaskDefinitionOptions<S extends StandardSchemaV1, R> {
  /** Any Standard Schema (zod 4, valibot, arktype …) describing the job input. */
  input: S;
  run(input: InferSchemaOutput<S>, ctx: TaskContext): R | Promise<R>;
}

export interface UntypedTaskDefinitionOptions<I, R> {
  input?: undefined;
  run(input: I, ctx: TaskContext): R | Promise<R>;
}

export function defineTask<S extends StandardSchemaV1, R>(
  options: TaskDefinitionOptions<S, R>,
): TaskDefinition<InferSchemaInput<S>, R, InferSchemaOutput<S>>;
export function defineTask<I = Json, R = unknown>(
  options: UntypedTaskDefinitionOptions<I, R>,
): TaskDefinition<I, R, I>;
export function defineTask(options: {
  input?: StandardSchemaV1 | undefined;
  run: (input: unknown, ctx: TaskContext) => unknown;
}): TaskDefinition<unknown, unknown, unknown> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('defineTask: expected { input?, run }');
  }
  if (typeof options.run !== 'function') throw new TypeError('defineTask: run must be a function');
  const input = options.input ?? null;
  if (input !== null && !isStandardSchema(input)) {
    throw new TypeError(
      'defineTask: input must be a Standard Schema (zod 4, valibot, arktype …): it has no ~standard.validate',
    );
  }
  return Object.freeze({ '~cadre': 'task', input, run: options.run });
}

/** True for what `defineTask` returned, from this or any other copy of @cadre/pool. */
export function isTaskDefinition(
  value: unknown,
): value is TaskDefinition<unknown, unknown, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<'~cadre' | 'input' | 'run', unknown>>;
  return (
    candidate['~cadre'] === 'task' &&
    typeof candidate.run === 'function' &&
    (candidate.input === null || isStandardSchema(candidate.input))
  );
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const props = (value as { '~standard'?: { validate?: unknown } } | null)?.['~standard'];
  return typeof props?.validate === 'function';
}

/** `input.to: Invalid email address; input.items[0]: Required`. */
export function describeIssues(issues: readonly StandardSchemaIssue[]): string {
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map((segment) =>
        typeof segment === 'object' && segment !== null ? segment.key : segment,
      );
      return `${pathText(path)}: ${issue.message}`;
    })
    .join('; ');
}

function pathText(path: readonly PropertyKey[]): string {
  let text = 'input';
  for (const key of path) {
    text += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return text;
}
