// inspectTasks on real threads, over modules written to a temp dir for each
// way a task can fail to load.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectTasks } from './inspect-tasks.js';

const dir = mkdtempSync(join(tmpdir(), 'cadre-inspect-'));
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function module(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}

const DEFINED = fileURLToPath(new URL('./test-fixtures/defined.ts', import.meta.url));

describe('inspectTasks', () => {
  it('accepts a function export and a defineTask export, with the JSON Schema of its input', async () => {
    const plain = module(
      'plain.js',
      'export default (input) => input;\nexport const two = () => 2;\n',
    );
    const [fn, named, greet, untyped, transformed] = await inspectTasks([
      { name: 'fn', module: plain },
      { name: 'named', module: plain, export: 'two' },
      { name: 'greet', module: DEFINED, export: 'greet' },
      { name: 'untyped', module: DEFINED, export: 'untyped' },
      { name: 'transformed', module: DEFINED, export: 'transformed' },
    ]);
    expect(fn).toEqual({
      name: 'fn',
      module: plain,
      export: 'default',
      ok: true,
      kind: 'function',
      declaresInput: false,
      inputSchema: null,
      warning: null,
    });
    expect(named).toMatchObject({ ok: true, kind: 'function', export: 'two' });
    expect(greet).toMatchObject({
      ok: true,
      kind: 'definition',
      declaresInput: true,
      warning: null,
    });
    expect(greet).toHaveProperty('inputSchema', {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1 },
        times: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, default: 1 },
      },
      required: ['name'],
    });
    expect(untyped).toMatchObject({
      ok: true,
      kind: 'definition',
      inputSchema: null,
      warning: null,
    });
    // The schema of what is submitted, not of what `run` receives.
    expect(transformed).toMatchObject({ ok: true, inputSchema: { type: 'string' } });
  });

  it('says when a declared input has no JSON Schema (checked in the worker only)', async () => {
    const [custom, handmade] = await inspectTasks([
      { name: 'custom', module: DEFINED, export: 'custom' },
      { name: 'handmade', module: DEFINED, export: 'handmade' },
    ]);
    expect(custom).toMatchObject({
      ok: true,
      kind: 'definition',
      declaresInput: true,
      inputSchema: null,
    });
    expect(custom).toHaveProperty(
      'warning',
      'its input schema cannot be written as JSON Schema (Custom types cannot be represented in JSON Schema): its input is checked in the worker only, not when a job is submitted',
    );
    expect(handmade).toHaveProperty(
      'warning',
      'its handmade input schema cannot give a JSON Schema: its input is checked in the worker only, not when a job is submitted',
    );
  });

  it('names the reason for each task that cannot load, and inspects the others', async () => {
    const good = module('good.js', 'export default () => 1;\n');
    const missing = join(dir, 'nowhere.js');
    const syntax = module('syntax.js', 'export default function (input) {\n  return input +;\n}\n');
    const unresolved = module(
      'unresolved.js',
      "import leftPad from 'cadre-no-such-package';\nexport default () => leftPad;\n",
    );
    const numbers = module('numbers.js', 'export default 42;\nexport const list = [1];\n');
    const throws = module('throws.js', "throw new Error('no DATABASE_URL');\n");
    const empty = module('empty.js', '\n');
    const results = await inspectTasks([
      { name: 'missing', module: missing },
      { name: 'syntax', module: syntax },
      { name: 'unresolved', module: unresolved },
      { name: 'number', module: numbers },
      { name: 'array', module: numbers, export: 'list' },
      { name: 'noExport', module: numbers, export: 'run' },
      { name: 'nothing', module: empty },
      { name: 'throws', module: throws },
      { name: 'good', module: good },
    ]);
    const reasons = Object.fromEntries(
      results.map((r) => [r.name, r.ok ? 'ok' : r.reason] as const),
    );
    expect(reasons).toEqual({
      missing: 'module not found',
      syntax: "does not parse: Unexpected token ';'",
      unresolved: expect.stringMatching(
        /^an import cannot be resolved: Cannot find package 'cadre-no-such-package' imported from /,
      ) as unknown,
      number: "export 'default' is a number, not a function nor a defineTask() definition",
      array: "export 'list' is an array, not a function nor a defineTask() definition",
      noExport: "has no export 'run' (its exports: default, list)",
      nothing: "has no export 'default' (it exports nothing)",
      throws: 'throws while loading: no DATABASE_URL',
      good: 'ok',
    });
    expect(results[1]).toMatchObject({ name: 'syntax', module: syntax, export: 'default' });
  });

  it('reports a module that hangs or ends its thread, and carries on in a fresh thread', async () => {
    const hangs = module('hangs.js', 'while (true) {}\n');
    const exits = module('exits.js', 'process.exit(3);\n');
    const good = module('good2.js', 'export default () => 1;\n');
    const results = await inspectTasks(
      [
        { name: 'hangs', module: hangs },
        { name: 'exits', module: exits },
        { name: 'good', module: good },
      ],
      { loadTimeoutMs: 3000 },
    );
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'did not finish loading within 3000 ms',
      'ended its thread while loading (exit code 3)',
      'ok',
    ]);
  });

  it('answers an empty list without starting a thread', async () => {
    expect(await inspectTasks([])).toEqual([]);
  });
});
