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
    expect(config.categories.map((c) => [c.name, c.weight, c.minWorkers, c.concurrency])).toEqual([
      ['default', 1, 0, 1],
      ['email', 1, 1, 50],
      ['reports', 3, 0, 1],
      ['images', 2, 0, 1],
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
      tags: [],
      concurrency: 1,
      rateLimit: null,
      lowerPriorityOnRetry: true,
      targetWaitMs: null,
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
    expect(config.node).toEqual({ name: 'local', tags: [] });
    expect(config.cluster).toEqual({ leaseMs: 3000, nodeTimeoutMs: 10_000 });
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

  it('takes a retention that keeps nothing (jobs forgotten as their attempt ends)', () => {
    const nothing = { maxAgeMs: 0, maxCount: 0 };
    const { config } = loadConfig({
      file: write({ retention: { ...nothing, failed: nothing }, tasks: [task] }),
      env: {},
    });
    expect(config.retention).toEqual({ ...nothing, failed: nothing });
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

  it('reads categories[].tags', () => {
    const { config } = loadConfig({
      file: write({ categories: [{ name: 'render', tags: ['gpu', 'eu-west'] }], tasks: [task] }),
      env: {},
    });
    expect(config.categories.map((c) => [c.name, c.tags])).toEqual([
      ['default', []],
      ['render', ['gpu', 'eu-west']],
    ]);
  });

  it('reads categories[].concurrency', () => {
    const { config } = loadConfig({
      file: write({ categories: [{ name: 'email', concurrency: 50 }], tasks: [task] }),
      env: {},
    });
    expect(config.categories.map((c) => [c.name, c.concurrency])).toEqual([
      ['default', 1],
      ['email', 50],
    ]);
  });

  it.each([0, 1.5, 1001, -1, '50', null])('refuses categories[].concurrency %j', (value) => {
    const message = failure({ categories: [{ name: 'a' }, { name: 'b', concurrency: value }] });
    expect(message).toMatch(/: categories\[1\]\.concurrency: /);
  });

  it('reads categories[].rateLimit and lowerPriorityOnRetry', () => {
    const { config } = loadConfig({
      file: write({
        categories: [
          { name: 'api', rateLimit: { max: 5, perMs: 1000 }, lowerPriorityOnRetry: false },
        ],
        tasks: [task],
      }),
      env: {},
    });
    expect(config.categories[1]).toMatchObject({
      name: 'api',
      rateLimit: { max: 5, perMs: 1000 },
      lowerPriorityOnRetry: false,
    });
  });

  it.each<[unknown, string]>([
    [{ max: 0, perMs: 1000 }, 'rateLimit.max'],
    [{ max: 2.5, perMs: 1000 }, 'rateLimit.max'],
    [{ max: 5, perMs: 0 }, 'rateLimit.perMs'],
    [{ max: 5 }, 'rateLimit.perMs'],
    [{ max: 5, perMs: 10, extra: 1 }, 'rateLimit.extra'],
    [5, 'rateLimit'],
  ])('refuses categories[].rateLimit %j', (value, field) => {
    const message = failure({ categories: [{ name: 'b', rateLimit: value }] });
    expect(message).toMatch(new RegExp(`: categories\\[0\\]\\.${field.replace('.', '\\.')}: `));
  });

  it('refuses a lowerPriorityOnRetry that is not a boolean', () => {
    const message = failure({ categories: [{ name: 'b', lowerPriorityOnRetry: 'no' }] });
    expect(message).toMatch(/: categories\[0\]\.lowerPriorityOnRetry: /);
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
      'a negative failed retention count',
      { retention: { failed: { maxCount: -1 } } },
      'retention.failed.maxCount: ',
    ],
    [
      'an unknown field in the failed retention',
      { retention: { failed: { maxAge: 1 } } },
      'retention.failed.maxAge: unknown field',
    ],
    ['maxQueuedTotal = 0', { maxQueuedTotal: 0 }, 'maxQueuedTotal: '],
    [
      'an empty tag',
      { categories: [{ name: 'a', tags: ['gpu', ''] }] },
      'categories[0].tags[1]: must not be empty',
    ],
    [
      'a tag with a comma',
      { categories: [{ name: 'a', tags: ['gpu,ssd'] }] },
      'categories[0].tags[0]: must be 1..64 letters',
    ],
    [
      'a duplicate tag',
      { categories: [{ name: 'a', tags: ['gpu', 'gpu'] }] },
      "categories[0].tags[1]: duplicate tag 'gpu'",
    ],
    [
      'tags that are not a list',
      { categories: [{ name: 'a', tags: 'gpu' }] },
      'categories[0].tags: ',
    ],
    ['an unknown cluster key', { cluster: { leaseMS: 5000 } }, 'cluster.leaseMS: unknown field'],
    ['a fractional leaseMs', { cluster: { leaseMs: 2.5 } }, 'cluster.leaseMs: '],
    [
      'a leaseMs not above balanceIntervalMs',
      { balanceIntervalMs: 1000, cluster: { leaseMs: 1000 } },
      'cluster.leaseMs: must be above balanceIntervalMs (1000): the leader renews its lease every interval',
    ],
    [
      'a nodeTimeoutMs not above leaseMs',
      { cluster: { leaseMs: 5000, nodeTimeoutMs: 5000 } },
      "cluster.nodeTimeoutMs: must be above cluster.leaseMs (5000): a dead leader's lease must run out before its node is declared dead",
    ],
    [
      'a nodeTimeoutMs not above the default leaseMs',
      { balanceIntervalMs: 4000, cluster: { nodeTimeoutMs: 12_000 } },
      'cluster.nodeTimeoutMs: must be above cluster.leaseMs (12000)',
    ],
    ['a timeout of zero', { tasks: [{ ...task, timeoutMs: 0 }] }, 'tasks[0].timeoutMs: '],
    ['an array at the top', [], ': Invalid input'],
  ])('rejects %s, naming the field', (_what, content, fragment) => {
    expect(failure(content)).toContain(fragment);
  });

  it('runs in local mode without CADRE_DATABASE_URL, naming its one node', () => {
    const loaded = loadConfig({
      file: write({ tasks: [task] }),
      env: { CADRE_NODE: 'box-7', CADRE_NODE_TAGS: 'gpu, ssd' },
    });
    expect(loaded.database).toBeNull();
    expect(loaded.config.node).toEqual({ name: 'box-7', tags: ['gpu', 'ssd'] });
  });

  it('turns cluster mode on with CADRE_DATABASE_URL, the node named <hostname>:<port>', () => {
    const loaded = loadConfig({
      file: write({ tasks: [task] }),
      env: { CADRE_DATABASE_URL: 'postgres://cadre:s3cret@db.internal:5432/jobs', PORT: '3001' },
      hostname: 'worker-a',
    });
    expect(loaded.database).toEqual({
      url: 'postgres://cadre:s3cret@db.internal:5432/jobs',
      schema: 'cadre',
    });
    expect(loaded.config.node).toEqual({ name: 'worker-a:3001', tags: [] });
    const defaultPort = loadConfig({
      file: write({ tasks: [task] }),
      env: { CADRE_DATABASE_URL: 'postgresql://db/jobs' },
      hostname: 'worker-a',
    });
    expect(defaultPort.config.node.name).toBe('worker-a:3000');
  });

  it('reads the cluster settings from the file, and the environment over them', () => {
    const file = write({
      balanceIntervalMs: 500,
      cluster: { leaseMs: 2000, nodeTimeoutMs: 8000 },
      tasks: [task],
    });
    const env = {
      CADRE_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      CADRE_DATABASE_SCHEMA: 'cadre_blue',
      CADRE_NODE: 'node-1',
      CADRE_NODE_TAGS: 'gpu',
    };
    const fromFile = loadConfig({ file, env });
    expect(fromFile.database?.schema).toBe('cadre_blue');
    expect(fromFile.config.node).toEqual({ name: 'node-1', tags: ['gpu'] });
    expect(fromFile.config.cluster).toEqual({ leaseMs: 2000, nodeTimeoutMs: 8000 });
    const fromEnv = loadConfig({
      file,
      env: { ...env, CADRE_LEASE_MS: '1500', CADRE_NODE_TIMEOUT_MS: '6000' },
    });
    expect(fromEnv.config.cluster).toEqual({ leaseMs: 1500, nodeTimeoutMs: 6000 });
  });

  it('defaults leaseMs to 3 balance intervals, and nodeTimeoutMs to 10 s or twice a longer lease', () => {
    const short = loadConfig({ file: write({ tasks: [task] }), env: { CADRE_BALANCE_MS: '200' } });
    expect(short.config.cluster).toEqual({ leaseMs: 600, nodeTimeoutMs: 10_000 });
    const long = loadConfig({ file: write({ balanceIntervalMs: 5000, tasks: [task] }), env: {} });
    expect(long.config.cluster).toEqual({ leaseMs: 15_000, nodeTimeoutMs: 30_000 });
  });

  it.each([
    [
      { CADRE_DATABASE_URL: 'mysql://root:hunter2@db/jobs' },
      "CADRE_DATABASE_URL: must be a postgres:// or postgresql:// URL, got a 'mysql:' URL",
    ],
    [
      { CADRE_DATABASE_URL: '//db.internal:5432 hunter2' },
      'CADRE_DATABASE_URL: is not a URL; expected postgres://user:password@host:5432/database',
    ],
    [
      { CADRE_DATABASE_URL: 'postgres://db/jobs', CADRE_DATABASE_SCHEMA: 'Cadre-Blue' },
      "CADRE_DATABASE_SCHEMA: must be a lowercase SQL identifier (a-z, 0-9, _; at most 63, not starting with a digit), got 'Cadre-Blue'",
    ],
    [
      { CADRE_NODE: 'node 1' },
      "CADRE_NODE: must be 1..128 letters, digits, _ . : - (starting with a letter or digit), got 'node 1'",
    ],
    [
      { CADRE_DATABASE_URL: 'postgres://db/jobs', PORT: '0' },
      'CADRE_NODE: must be set in cluster mode when PORT is 0',
    ],
    [
      { CADRE_NODE_TAGS: 'gpu,,ssd' },
      "CADRE_NODE_TAGS: tag 2 of 'gpu,,ssd' must not be empty (tags are separated by commas)",
    ],
    [
      { CADRE_NODE_TAGS: 'gpu,fast disk' },
      "CADRE_NODE_TAGS: tag 2 of 'gpu,fast disk' must be 1..64 letters",
    ],
    [{ CADRE_NODE_TAGS: 'gpu,ssd,gpu' }, "CADRE_NODE_TAGS: duplicate tag 'gpu' in 'gpu,ssd,gpu'"],
    [
      { CADRE_LEASE_MS: 'soon' },
      "CADRE_LEASE_MS: must be an integer from 10 to 3600000, got 'soon'",
    ],
    [
      { CADRE_LEASE_MS: '1000' },
      'CADRE_LEASE_MS: must be above balanceIntervalMs (1000): the leader renews its lease every interval',
    ],
    [
      { CADRE_NODE_TIMEOUT_MS: '3000' },
      "CADRE_NODE_TIMEOUT_MS: must be above cluster.leaseMs (3000): a dead leader's lease must run out",
    ],
  ])('rejects the environment %o, naming the variable', (env, message) => {
    expect(failure({ tasks: [task] }, env)).toContain(message);
  });

  it('never repeats a database URL in its errors: it may hold a password', () => {
    expect(
      failure({ tasks: [task] }, { CADRE_DATABASE_URL: 'mysql://root:hunter2@db/jobs' }),
    ).not.toContain('hunter2');
    expect(failure({ tasks: [task] }, { CADRE_DATABASE_URL: 'db:5432 hunter2' })).not.toContain(
      'hunter2',
    );
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

  describe('schedules[] and observers[]', () => {
    const schedule = { name: 's', everyMs: 60_000, job: { task: 't' } };
    const observer = { name: 'o', query: { state: 'failed' }, at: '09:00:00', tz: 'Europe/Rome' };

    it('reads them, with their defaults left to the engine', () => {
      const { config } = loadConfig({
        file: write({ tasks: [task], schedules: [schedule], observers: [observer] }),
        env: {},
      });
      expect(config.schedules).toEqual([schedule]);
      expect(config.observers).toEqual([observer]);
      const none = loadConfig({ file: write({ tasks: [task] }), env: {} }).config;
      expect([none.schedules, none.observers]).toEqual([[], []]);
    });

    it.each([
      [
        { schedules: [{ ...schedule, cron: '* * * * *' }] },
        'schedules[0]: give exactly one of cron and everyMs',
      ],
      [
        { schedules: [{ name: 's', cron: '99 * * * *', job: { task: 't' } }] },
        'schedules[0].cron: Invalid value for minute: 99',
      ],
      [
        { schedules: [{ name: 's', cron: '* * * * *', tz: 'Not/AZone', job: { task: 't' } }] },
        "schedules[0].tz: unknown time zone 'Not/AZone'",
      ],
      [
        { schedules: [{ ...schedule, job: { task: 'nope' } }] },
        "schedules[0].job.task: unknown task 'nope'",
      ],
      [
        { schedules: [{ ...schedule, job: { task: 't', category: 'nope' } }] },
        "schedules[0].job.category: unknown category 'nope'",
      ],
      [{ schedules: [schedule, schedule] }, "schedules[1].name: duplicate name 's'"],
      [
        { observers: [{ ...observer, everyMs: 1000 }] },
        'observers[0]: give exactly one of everyMs and at',
      ],
      [
        { observers: [{ ...observer, tz: 'Not/AZone' }] },
        "observers[0].tz: unknown time zone 'Not/AZone'",
      ],
      [
        { observers: [{ ...observer, query: { category: 'nope' } }] },
        "observers[0].query.category: unknown category 'nope'",
      ],
      [
        { observers: [{ ...observer, query: { task: 'nope' } }] },
        "observers[0].query.task: unknown task 'nope'",
      ],
    ])('refuses %j, naming the field', (over, message) => {
      expect(failure({ tasks: [task], ...over })).toContain(message);
    });
  });
});
