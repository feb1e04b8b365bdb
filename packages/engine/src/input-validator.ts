/**
 * Checks each job's input against its task's JSON Schema (draft 2020-12, as
 * zod 4's `z.toJSONSchema` writes it) with ajv. Every schema is compiled once,
 * when the engine is built, so that checking a job is one call of generated
 * code and a task without a schema costs one map lookup.
 */
import { Errors, type InputIssue, type Json, type TaskConfig } from '@cadre/core';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
// The definitions, not ajv-formats' plugin: npm gives the plugin its own copy
// of ajv, whose code generator must not mix with this one's.
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { detailsOf, type Where } from './flow-plan.js';

/** `null` when the input matches; else what is wrong, where (never empty). */
export type InputCheck = (input: Json) => InputIssue[] | null;

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
/** Enough to fix a form at once; a message for each of 10,000 bad fields helps no one. */
const MAX_ISSUES = 20;

/**
 * Compiles `schema`, or throws an Error saying why it is not a JSON Schema
 * cadre can check inputs with.
 */
export function compileInputSchema(schema: unknown): InputCheck {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new Error('a JSON Schema must be a JSON object');
  }
  const declared = (schema as { $schema?: unknown }).$schema;
  if (declared !== undefined && String(declared).replace(/#$/, '') !== DRAFT_2020_12) {
    throw new Error(
      `$schema is ${JSON.stringify(declared)}; cadre reads JSON Schema draft 2020-12 (${DRAFT_2020_12})`,
    );
  }
  const ajv = sharedAjv();
  // Formats are annotations in 2020-12: zod writes some (cuid, nanoid, e164, …)
  // that no validator knows, with a `pattern` that does the checking.
  for (const name of formatNames(schema)) {
    if (!ajv.formats[name]) ajv.addFormat(name, true);
  }
  // Two tasks' schemas may carry the same $id; each compiles on its own.
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id === 'string') ajv.removeSchema(id);
  const validate = ajv.compile(schema);
  return (input) => (validate(input) ? null : toIssues(validate.errors ?? []));
}

let shared: Ajv2020 | null = null;

/**
 * One ajv for every schema: its first compile checks the draft 2020-12
 * meta-schema, which costs a few hundred ms; a second instance would pay it again.
 */
function sharedAjv(): Ajv2020 {
  if (shared !== null) return shared;
  const ajv = new Ajv2020({
    allErrors: true,
    // Unknown keywords are refused: a misspelt "minimun" would otherwise check nothing.
    strictSchema: true,
    strictNumbers: true,
    // zod writes schemas these stricter checks would refuse (unions of types, open tuples).
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    allowMatchingProperties: true,
    logger: false,
  });
  for (const [name, format] of Object.entries(fullFormats)) ajv.addFormat(name, format);
  shared = ajv;
  return ajv;
}

/** The checks of every task that declares an input schema. */
export class InputValidator {
  readonly #checks = new Map<string, InputCheck>();

  /** Throws ERR_CONFIG naming the task whose schema does not compile. */
  constructor(tasks: readonly Pick<TaskConfig, 'name' | 'inputSchema'>[]) {
    for (const task of tasks) {
      // Embedders' JS configs may leave the field out altogether.
      if (task.inputSchema === null || task.inputSchema === undefined) continue;
      try {
        this.#checks.set(task.name, compileInputSchema(task.inputSchema));
      } catch (err) {
        throw Errors.config(
          `task '${task.name}'`,
          `inputSchema is not a valid JSON Schema: ${(err as Error).message}`,
          { task: task.name },
        );
      }
    }
  }

  /**
   * Throws ERR_VALIDATION when `input` does not match the schema of `task`,
   * naming it as the caller wrote it: `jobs[3].input` or
   * `jobs[0].onSuccess[1].input` in a submission, `input` (null) for a retry. Builds nothing for a task
   * without a schema: this runs for every submitted job.
   */
  check(task: string, input: Json, at: Where | null): void {
    const check = this.#checks.get(task);
    if (check === undefined) return;
    const issues = check(input);
    if (issues === null) return;
    if (at === null) throw Errors.invalidInput('input', issues, {});
    throw Errors.invalidInput(`${at.path}.input`, issues, detailsOf(at, 'input'));
  }
}

function toIssues(errors: readonly ErrorObject[]): InputIssue[] {
  const out: InputIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const issue = toIssue(e);
    const id = `${issue.path}\u0000${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(issue);
    if (out.length >= MAX_ISSUES) break;
  }
  if (out.length === 0) out.push({ path: '', message: 'does not match the schema' });
  return out;
}

/** Points at the field itself where ajv points at its parent (a missing or extra property). */
function toIssue(e: ErrorObject): InputIssue {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return {
        path: `${e.instancePath}/${pointerToken(params.missingProperty)}`,
        message: 'is required',
      };
    case 'additionalProperties':
      return {
        path: `${e.instancePath}/${pointerToken(params.additionalProperty)}`,
        message: 'is not allowed',
      };
    case 'unevaluatedProperties':
      return {
        path: `${e.instancePath}/${pointerToken(params.unevaluatedProperty)}`,
        message: 'is not allowed',
      };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      return { path: e.instancePath, message: `must be one of ${allowed.join(', ')}` };
    }
    default:
      return { path: e.instancePath, message: e.message ?? `does not match ${e.keyword}` };
  }
}

/** One reference token of a JSON Pointer (RFC 6901). */
function pointerToken(key: unknown): string {
  return String(key).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Every string value of a `format` keyword anywhere in `schema`. */
function formatNames(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) formatNames(item, out);
  } else if (typeof schema === 'object' && schema !== null) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'format' && typeof value === 'string') out.add(value);
      else formatNames(value, out);
    }
  }
  return out;
}
