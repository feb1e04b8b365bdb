// checkTasks over real modules in real threads: schemas taken from defineTask
// into the config, a schema declared twice refused, problems in one error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineConfig, TaskConfig } from '@cadre/core';
import { afterAll, describe, expect, it } from 'vitest';
import { checkedConfig, checkTasks } from './check-tasks.js';

const dir = mkdtempSync(join(tmpdir(), 'cadre-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');

// A Standard Schema with a JSON Schema converter, as zod 4 has, written by hand
// so that these modules import nothing.
const MODULE = join(dir, 'tasks.js');
writeFileSync(
  MODULE,
  `const NUMBER = { type: 'number' };
const schema = {
  '~standard': {
    version: 1,
    vendor: 'handmade',
    validate: (value) => (typeof value === 'number' ? { value } : { issues: [{ message: 'not a number' }] }),
    jsonSchema: { input: () => NUMBER, output: () => NUMBER },
  },
};
export const typed = { '~cadre': 'task', input: schema, run: (n) => n };
export const untyped = { '~cadre': 'task', input: null, run: (n) => n };
export const plain = (n) => n;
export const broken = 7;
`,
);

const FILE_SCHEMA = { type: 'integer' };

function task(exported: string, inputSchema: Record<string, unknown> | null = null): TaskConfig {
  return {
    name: exported,
    module: MODULE,
    export: exported,
    category: null,
    maxRetries: null,
    timeoutMs: null,
    inputSchema,
  };
}

function config(tasks: TaskConfig[]): EngineConfig {
  return {
    workers: 1,
    node: { name: 'local', tags: [] },
    cluster: { leaseMs: 3000, nodeTimeoutMs: 10_000 },
    balanceIntervalMs: 1000,
    categories: [],
    tasks,
    retention: { maxAgeMs: 1000, maxCount: 10, failed: { maxAgeMs: 1000, maxCount: 10 } },
    maxQueuedTotal: null,
    maxResultBytes: 1024,
    resourceLimits: null,
  };
}

describe('checkTasks', () => {
  it('fills inputSchema from a defineTask input and keeps one from a schema file', async () => {
    const given = config([task('typed'), task('untyped'), task('plain', FILE_SCHEMA)]);
    const checks = await checkTasks(given);
    expect(checks.map((c) => [c.task.name, c.problem, c.schema, c.task.inputSchema])).toEqual([
      ['typed', null, 'module', { type: 'number' }],
      ['untyped', null, null, null],
      ['plain', null, 'file', FILE_SCHEMA],
    ]);
    const ready = checkedConfig('/cfg.json', given, checks);
    expect(ready.tasks.map((t) => t.inputSchema)).toEqual([{ type: 'number' }, null, FILE_SCHEMA]);
    expect(given.tasks[0]!.inputSchema).toBeNull();
  });

  it('refuses an input declared both by defineTask and by a schema file', async () => {
    const [check] = await checkTasks(config([task('typed', FILE_SCHEMA)]));
    expect(check!.problem).toBe(
      'its input is declared twice, by defineTask({ input }) and by a .schema.json file next to the module: keep one',
    );
  });

  it('throws one ERR_CONFIG naming the config file and every task that cannot run', async () => {
    const given = config([task('broken'), task('plain'), task('typed', FILE_SCHEMA)]);
    const checks = await checkTasks(given);
    expect(() => checkedConfig('/app/cadre.config.json', given, checks)).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG',
        message:
          `/app/cadre.config.json: task 'broken' (${MODULE}): export 'broken' is a number, not a function nor a defineTask() definition; ` +
          `task 'typed' (${MODULE}): its input is declared twice, by defineTask({ input }) and by a .schema.json file next to the module: keep one`,
      }),
    );
  });
});
