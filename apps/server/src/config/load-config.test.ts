import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCadreError } from '@cadre/core';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, loadConfig } from './load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'cadre-config-'));
writeFileSync(join(dir, 'task.js'), 'export default (x) => x;\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(content: unknown): string {
  const file = join(dir, `config-${n++}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const task = { name: 't', module: './task.js' };

/** The ERR_CONFIG message loading `content` fails with. */
function failure(content: unknown, env: Record<string, string> = {}): string {
  const file = write(content);
  try {
    loadConfig({ file, env });
  } catch (err) {
    if (!isCadreError(err)) throw err;
    expect(err.code).toBe('ERR_CONFIG');
    expect(err.message.startsWith(`${file}: `) || Object.keys(env).length > 0).toBe(true);
    return err.message;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('loads the shipped example with the categories of API.md and every demo task', () => {
    const { config, file } = loadConfig({ env: {} });
    expect(file).toBe(EXAMPLE_CONFIG);
    expect(config.categories.map((c) => [c.name, c.weight, c.minWorkers])).toEqual([
      ['default', 1, 0],
      ['email', 1, 1],
      ['reports', 3, 0],
      ['images', 2, 0],
    ]);
    expect(config.tasks.map((t) => t.name).sort()).toEqual(
      ['echo', 'fail', 'fib', 'flaky', 'permanent', 'sleep', 'spin'].sort(),
    );
    for (const t of config.tasks) expect(t.module).toMatch(/^\/.*example\/tasks\/\w+\.js$/);
    for (const c of config.categories) expect(c.backoff.baseMs).toBeLessThan(1000);
    expect(config.retention.maxAgeMs).toBeGreaterThanOrEqual(3_600_000);
    expect(config.retention.maxCount).toBeGreaterThanOrEqual(10_000);
  });

  it('fills in defaults and adds the default category', () => {
    const { config } = loadConfig({
      file: write({ categories: [{ name: 'x' }], tasks: [task] }),
      env: {},
    });
    expect(config.workers).toBe(availableParallelism());
    expect(config.balanceIntervalMs).toBe(1000);
    expect(config.categories.map((c) => c.name)).toEqual(['default', 'x']);
    expect(config.categories[1]).toEqual({
      name: 'x',
      weight: 1,
      minWorkers: 0,
      maxWorkers: null,
      maxRetries: 3,
      backoff: { kind: 'exponential', baseMs: 1000, maxMs: 60_000, jitter: 0.2 },
      timeoutMs: null,
      maxQueued: null,
    });
    expect(config.tasks[0]).toEqual({
      name: 't',
      module: join(dir, 'task.js'),
      export: 'default',
      category: null,
      maxRetries: null,
      timeoutMs: null,
      inputSchema: null,
    });
    expect(config.retention).toEqual({
      maxAgeMs: 3_600_000,
      maxCount: 50_000,
      failed: { maxAgeMs: 7 * 86_400_000, maxCount: 100_000 },
    });
    expect(config.maxQueuedTotal).toBe(1_000_000);
    expect(config.maxResultBytes).toBe(1024 * 1024);
    expect(config.resourceLimits).toBeNull();
  });

  it('takes each retention limit apart, defaulting the others', () => {
    const { config } = loadConfig({
      file: write({ retention: { maxCount: 10, failed: { maxAgeMs: 60_000 } }, tasks: [task] }),
      env: {},
    });
    expect(config.retention).toEqual({
      maxAgeMs: 3_600_000,
      maxCount: 10,
      failed: { maxAgeMs: 60_000, maxCount: 100_000 },
    });
  });

  it('resolves CADRE_CONFIG against cwd', () => {
    const file = write({ tasks: [task] });
    const { file: used } = loadConfig({ env: { CADRE_CONFIG: file.split('/').pop()! }, cwd: dir });
    expect(used).toBe(file);
  });

  it('applies CADRE_WORKERS and CADRE_BALANCE_MS', () => {
    const { config } = loadConfig({
      file: write({ workers: 8, tasks: [task] }),
      env: { CADRE_WORKERS: '3', CADRE_BALANCE_MS: '250' },
    });
    expect(config.workers).toBe(3);
    expect(config.balanceIntervalMs).toBe(250);
  });

  it.each([
    ['CADRE_WORKERS', 'abc', "CADRE_WORKERS: must be an integer from 1 to 1024, got 'abc'"],
    ['CADRE_WORKERS', '0', "CADRE_WORKERS: must be an integer from 1 to 1024, got '0'"],
    ['CADRE_WORKERS', '2.5', "CADRE_WORKERS: must be an integer from 1 to 1024, got '2.5'"],
    ['CADRE_BALANCE_MS', '-5', "CADRE_BALANCE_MS: must be an integer from 10 to 3600000, got '-5'"],
  ])('names the variable when %s=%s is invalid', (variable, value, message) => {
    expect(failure({ tasks: [task] }, { [variable]: value })).toBe(message);
  });

  it('names the file when it is missing', () => {
    const file = join(dir, 'nope.json');
    expect(() => loadConfig({ file, env: {} })).toThrow(`${file}: config file not found`);
  });

  it('names the file when it is not JSON', () => {
    expect(failure('{ nope')).toMatch(/: not valid JSON: /);
  });

  it.each<[string, unknown, string]>([
    ['an unknown top-level key', { tasks: [task], wrokers: 2 }, 'wrokers: unknown field'],
    [
      'an unknown category key',
      { categories: [{ name: 'a', wieght: 2 }] },
      'categories[0].wieght: unknown field',
    ],
    ['a zero weight', { categories: [{ name: 'a', weight: 0 }] }, 'categories[0].weight: '],
    [
      'a negative minWorkers',
      { categories: [{ name: 'a' }, { name: 'b', minWorkers: -1 }] },
      'categories[1].minWorkers: ',
    ],
    [
      'a fractional maxWorkers',
      { categories: [{ name: 'a', maxWorkers: 1.5 }] },
      'categories[0].maxWorkers: ',
    ],
    [
      'maxWorkers below minWorkers',
      { categories: [{ name: 'a', minWorkers: 3, maxWorkers: 2 }] },
      'categories[0].maxWorkers: must be ≥ minWorkers',
    ],
    [
      'an unknown backoff kind',
      { categories: [{ name: 'a', backoff: { kind: 'linear' } }] },
      'categories[0].backoff.kind: ',
    ],
    [
      'jitter above 1',
      { categories: [{ name: 'a', backoff: { jitter: 2 } }] },
      'categories[0].backoff.jitter: ',
    ],
    [
      'maxMs below baseMs',
      { categories: [{ name: 'a', backoff: { baseMs: 500, maxMs: 100 } }] },
      'categories[0].backoff.maxMs: maxMs must be ≥ baseMs',
    ],
    [
      'a duplicate category',
      { categories: [{ name: 'a' }, { name: 'a' }] },
      "categories[1].name: duplicate category 'a'",
    ],
    ['a bad category name', { categories: [{ name: 'a b' }] }, 'categories[0].name: must be'],
    ['a duplicate task', { tasks: [task, task] }, "tasks[1].name: duplicate task 't'"],
    [
      'a task in an unknown category',
      { tasks: [{ ...task, category: 'nope' }] },
      "tasks[0].category: unknown category 'nope'",
    ],
    [
      'a missing task module',
      { tasks: [{ name: 't', module: './missing.js' }] },
      "tasks[0].module: task 't': module not found: ",
    ],
    ['a task without module', { tasks: [{ name: 't' }] }, 'tasks[0].module: '],
    ['workers = 0', { workers: 0 }, 'workers: '],
    ['a string workers', { workers: '4' }, 'workers: '],
    ['balanceIntervalMs too small', { balanceIntervalMs: 1 }, 'balanceIntervalMs: '],
    ['a negative retention', { retention: { maxAgeMs: -1 } }, 'retention.maxAgeMs: '],
    [
      'a negative failed retention',
      { retention: { failed: { maxAgeMs: -1 } } },
      'retention.failed.maxAgeMs: ',
    ],
    [
      'a failed retention count of 0',
      { retention: { failed: { maxCount: 0 } } },
      'retention.failed.maxCount: ',
    ],
    [
      'an unknown field in the failed retention',
      { retention: { failed: { maxAge: 1 } } },
      'retention.failed.maxAge: unknown field',
    ],
    ['maxQueuedTotal = 0', { maxQueuedTotal: 0 }, 'maxQueuedTotal: '],
    ['a timeout of zero', { tasks: [{ ...task, timeoutMs: 0 }] }, 'tasks[0].timeoutMs: '],
    ['an array at the top', [], ': Invalid input'],
  ])('rejects %s, naming the field', (_what, content, fragment) => {
    expect(failure(content)).toContain(fragment);
  });

  it('lists every problem in details', () => {
    const file = write({ workers: 0, categories: [{ name: 'a', weight: -1 }] });
    try {
      loadConfig({ file, env: {} });
      expect.unreachable();
    } catch (err) {
      expect(isCadreError(err) && err.details).toEqual({
        issues: [
          { path: 'workers', message: expect.any(String) },
          { path: 'categories[0].weight', message: expect.any(String) },
        ],
      });
    }
  });
});
