// The `cadre` command as a real child process: `start` refuses tasks that
// cannot load before it touches anything, `check` reports and exits 0 or 1.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@cadre/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, spawnCli, type MainProcess } from './test-support/spawn-main.js';
import { until } from './test-support/test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'cadre-cli-'));
const children: MainProcess[] = [];

beforeAll(() => {
  ensureBuilt();
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(dir, 'tasks'));
  const modules: Record<string, string> = {
    'ok.js': 'export default (input) => ({ echoed: input });\n',
    // What defineTask returns, written by hand: the brand is the contract.
    'defined.js': "export const double = { '~cadre': 'task', input: null, run: (n) => n * 2 };\n",
    'syntax.js': 'export default function (input) {\n  return input +;\n}\n',
    'unresolved.js': "import pad from 'cadre-no-such-package';\nexport default () => pad;\n",
    'not-a-function.js': 'export default { run() {} };\n',
  };
  for (const [file, source] of Object.entries(modules)) {
    writeFileSync(join(dir, 'tasks', file), source);
  }
});
afterAll(() => {
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, tasks: { name: string; module: string; export?: string }[]) {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ tasks }));
  return file;
}

function cadre(args: string[], env: Record<string, string> = {}): MainProcess {
  const started = spawnCli(args, { cwd: dir, env: { NO_COLOR: '1', ...env } });
  children.push(started);
  return started;
}

const GOOD = [
  { name: 'ok', module: './tasks/ok.js' },
  { name: 'double', module: './tasks/defined.js', export: 'double' },
];

const BAD: [string, { name: string; module: string }, RegExp][] = [
  [
    'a missing module',
    { name: 'ghost', module: './tasks/ghost.js' },
    /task 'ghost': module not found: \S*tasks\/ghost\.js/,
  ],
  [
    'a module that does not parse',
    { name: 'syntax', module: './tasks/syntax.js' },
    /task 'syntax' \(\S*tasks\/syntax\.js\): does not parse: Unexpected token/,
  ],
  [
    'an import that cannot be resolved',
    { name: 'unresolved', module: './tasks/unresolved.js' },
    /task 'unresolved' \(\S*tasks\/unresolved\.js\): an import cannot be resolved: Cannot find package 'cadre-no-such-package'/,
  ],
  [
    'an export that is not a function',
    { name: 'object', module: './tasks/not-a-function.js' },
    /task 'object' \(\S*tasks\/not-a-function\.js\): export 'default' is an object, not a function nor a defineTask\(\) definition/,
  ],
];

describe('cadre start', () => {
  it.each(BAD)(
    'refuses %s before it opens the data directory, in one line naming the task and the file',
    async (_, task, reason) => {
      const data = join(dir, `data-${task.name}`);
      const run = cadre([
        'start',
        '--config',
        config(`bad-${task.name}`, [...GOOD, task]),
        '--data',
        data,
      ]);
      expect(await run.exited).toBe(1);
      const lines = run.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/"msg":"cannot start: \S+\.json: /);
      expect(lines[0]).toMatch(reason);
      expect(run.output()).not.toContain('listening');
      expect(existsSync(data)).toBe(false);
    },
  );

  it('starts with --config, --port and --data, runs function and definition tasks, stops on SIGTERM', async () => {
    const data = join(dir, 'data-good');
    const run = cadre(['start', '--config', config('good', GOOD), '--port', '0', '--data', data], {
      PORT: '1',
    });
    const url = await run.ready();
    expect(existsSync(data)).toBe(true);
    const client = createClient({ url });
    const [ok, double] = await client.submit([
      { task: 'ok', input: { a: 1 } },
      { task: 'double', input: 21 },
    ]);
    const finished = await until(
      () => Promise.all([client.get(ok!.id), client.get(double!.id)]),
      (jobs) => jobs.every((job) => job.state === 'succeeded'),
    );
    expect(finished.map((job) => job.result)).toEqual([{ echoed: { a: 1 } }, 42]);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('refuses a bad --port as a usage error', async () => {
    const run = cadre(['start', '--port', 'http']);
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain("cadre: --port must be an integer from 0 to 65535, got 'http'");
  });
});

describe('cadre check', () => {
  it('exits 0 and lists every task as ok on a good config, starting nothing', async () => {
    const run = cadre(['check', '--config', config('check-good', GOOD)]);
    expect(await run.exited).toBe(0);
    const out = run.output();
    expect(out).toMatch(/^config \S+check-good\.json: ok \(1 category, 2 tasks\)$/m);
    expect(out).toMatch(/^ok {3}task 'ok' \(\S+tasks\/ok\.js\)$/m);
    expect(out).toMatch(/^ok {3}task 'double' \(\S+tasks\/defined\.js\)$/m);
    expect(out).toMatch(/^all 2 tasks can run$/m);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('exits 1 and names every task that cannot run, with the file and the reason', async () => {
    const run = cadre([
      'check',
      '--config',
      config('check-bad', [...GOOD, ...BAD.slice(1).map(([, t]) => t)]),
    ]);
    expect(await run.exited).toBe(1);
    const out = run.output();
    for (const [, task, reason] of BAD.slice(1)) {
      expect(out).toMatch(new RegExp(`^FAIL task '${task.name}' .*$`, 'm'));
      expect(out).toMatch(reason);
    }
    expect(out).toMatch(/^ok {3}task 'ok'/m);
    expect(out).toMatch(/^3 of 5 tasks cannot run$/m);
  });

  it('exits 1 on an invalid config, naming the file and the field', async () => {
    const run = cadre(['check', '--config', config('check-missing', [BAD[0]![1]])]);
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(
      /^config: \S+check-missing\.json: tasks\[0\]\.module: task 'ghost': module not found: /m,
    );
    const invalid = cadre(['check'], { CADRE_CONFIG: join(dir, 'nowhere.json') });
    expect(await invalid.exited).toBe(1);
    expect(invalid.output()).toMatch(/^config: \S+nowhere\.json: config file not found$/m);
  });
});

describe('cadre', () => {
  it('prints its help and says what is wrong with a bad command', async () => {
    const help = cadre(['help']);
    expect(await help.exited).toBe(0);
    expect(help.output()).toMatch(/^usage: cadre <command>/);
    for (const command of ['start', 'check', 'generate', 'help']) {
      expect(help.output()).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    const unknown = cadre(['serve']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.output()).toMatch(/^cadre: unknown command 'serve'\n\nusage: cadre/);
  });
});
