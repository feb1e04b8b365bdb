// Sidecar input schemas: found by the naming rule, compiled at load, and a
// broken one stops the load with its file named.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCadreError } from '@cadre/core';
import { afterAll, describe, expect, it } from 'vitest';
import { inputSchemaPath } from './input-schema-file.js';
import { loadConfig } from './load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'cadre-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: { to: { type: 'string' } },
  required: ['to'],
};

let n = 0;
/** A fresh task module, its sidecar (raw text, or none) and a config naming it; the config's path. */
function project(sidecar: string | null, exportName = 'default'): { config: string; file: string } {
  const stem = `task-${n++}`;
  const module = join(dir, `${stem}.js`);
  writeFileSync(module, 'export default (x) => x;\nexport const send = (x) => x;\n');
  const file = inputSchemaPath(module, exportName);
  if (sidecar !== null) writeFileSync(file, sidecar);
  const config = join(dir, `${stem}.config.json`);
  writeFileSync(
    config,
    JSON.stringify({ tasks: [{ name: 'hello', module: `./${stem}.js`, export: exportName }] }),
  );
  return { config, file };
}

function loadError(config: string): { message: string; details: unknown } {
  try {
    loadConfig({ file: config, env: {} });
  } catch (err) {
    if (!isCadreError(err)) throw err;
    expect(err.code).toBe('ERR_CONFIG');
    return { message: err.message, details: err.details };
  }
  throw new Error('expected loadConfig to fail');
}

describe('inputSchemaPath', () => {
  it.each([
    ['/app/tasks/hello.js', 'default', '/app/tasks/hello.schema.json'],
    ['/app/tasks/hello.ts', 'default', '/app/tasks/hello.schema.json'],
    ['/app/tasks/mail.mjs', 'send', '/app/tasks/mail.send.schema.json'],
    ['/app/tasks/v1.2.js', 'default', '/app/tasks/v1.2.schema.json'],
  ])('%s, export %s → %s', (module, exportName, expected) => {
    expect(inputSchemaPath(module, exportName)).toBe(expected);
  });
});

describe('loading sidecar input schemas', () => {
  it('reads the schema beside a default export', () => {
    const { config } = project(JSON.stringify(schema));
    expect(loadConfig({ file: config, env: {} }).config.tasks[0]?.inputSchema).toEqual(schema);
  });

  it('reads the schema of a named export from <module>.<export>.schema.json', () => {
    const { config, file } = project(JSON.stringify(schema), 'send');
    expect(file.endsWith('.send.schema.json')).toBe(true);
    expect(loadConfig({ file: config, env: {} }).config.tasks[0]?.inputSchema).toEqual(schema);
  });

  it('leaves a task without a sidecar open to any input', () => {
    const { config } = project(null);
    expect(loadConfig({ file: config, env: {} }).config.tasks[0]?.inputSchema).toBeNull();
  });

  it('names the file when it is not JSON', () => {
    const { config, file } = project('{ "type": "object", }');
    const { message, details } = loadError(config);
    expect(message).toMatch(
      new RegExp(`^${file}: the input schema of task 'hello' is not valid JSON: `),
    );
    expect(details).toEqual({ task: 'hello' });
  });

  it.each([
    ['an unknown type', { type: 'strin' }, /schema is invalid/],
    ['a misspelt keyword', { type: 'integer', minimun: 1 }, /unknown keyword: "minimun"/],
    ['another draft', { $schema: 'http://json-schema.org/draft-07/schema#' }, /draft 2020-12/],
    ['not an object', ['string'], /must be a JSON object/],
  ])('names the file when it holds %s', (_what, bad, why) => {
    const { config, file } = project(JSON.stringify(bad));
    const { message } = loadError(config);
    expect(
      message.startsWith(`${file}: the input schema of task 'hello' is not a valid JSON Schema: `),
    ).toBe(true);
    expect(message).toMatch(why);
  });

  it('gives the demo tasks the schemas their inputs need', () => {
    const tasks = new Map(loadConfig({ env: {} }).config.tasks.map((t) => [t.name, t.inputSchema]));
    expect(tasks.get('sleep')).toMatchObject({
      required: ['ms'],
      properties: { ms: { type: 'integer', minimum: 0 } },
    });
    expect(tasks.get('fib')).toMatchObject({
      required: ['n'],
      properties: { n: { minimum: 0, maximum: 40 } },
    });
    expect(tasks.get('flaky')).toMatchObject({
      properties: { failTimes: { type: 'integer', minimum: 0 } },
    });
    for (const open of ['echo', 'fail', 'permanent', 'spin']) expect(tasks.get(open)).toBeNull();
  });
});
