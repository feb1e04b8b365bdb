/**
 * A task's input schema lives in a JSON Schema file beside its module:
 *
 *   tasks/hello.js, export default   →  tasks/hello.schema.json
 *   tasks/mail.js,  export send      →  tasks/mail.send.schema.json
 *
 * The module's own extension is dropped, so `hello.ts` and `hello.mjs` look
 * for the same file. No file means the task takes any JSON. The file is
 * compiled here, at load, so that a broken schema stops the start with its
 * file named instead of failing every submission.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { Errors } from '@cadre/core';
import { compileInputSchema } from '@cadre/engine';

/** Where the input schema of the task exporting `exportName` from `module` is looked for. */
export function inputSchemaPath(module: string, exportName: string): string {
  const stem = basename(module, extname(module));
  const suffix = exportName === 'default' ? '' : `.${exportName}`;
  return join(dirname(module), `${stem}${suffix}.schema.json`);
}

/** The schema of that task, or null when it has no schema file; throws ERR_CONFIG naming the file. */
export function readInputSchema(
  task: string,
  module: string,
  exportName: string,
): Record<string, unknown> | null {
  const file = inputSchemaPath(module, exportName);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw Errors.config(file, `cannot read the input schema of task '${task}' (${code ?? err})`, {
      task,
    });
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    throw Errors.config(
      file,
      `the input schema of task '${task}' is not valid JSON: ${(err as Error).message}`,
      { task },
    );
  }
  try {
    compileInputSchema(schema);
  } catch (err) {
    throw Errors.config(
      file,
      `the input schema of task '${task}' is not a valid JSON Schema: ${(err as Error).message}`,
      { task },
    );
  }
  return schema as Record<string, unknown>;
}
