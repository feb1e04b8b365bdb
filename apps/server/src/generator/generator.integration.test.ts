/**
 * The generator against the real, built server (dist/main.js), run in-process
 * through runGenerator and as the CLI process a user runs.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient, type Job } from '@cadre/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGenerateArgs, type GeneratorOptions } from './options.js';
import type { GeneratorReport } from './report.js';
import { runGenerator } from './run-generator.js';
import { SERVER_DIST, spawnServer, type SpawnedServer } from './test-support/spawn-server.js';
import { virtualIo } from './test-support/virtual-io.js';
import { processIo } from './io.js';

const run = promisify(execFile);
const CLI = join(SERVER_DIST, 'cli.js');

function cli(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [CLI, 'generate', ...args], {
    env: { ...process.env, CADRE_URL: '', CADRE_TOKEN: '', ...env },
    timeout: 120_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout: string; stderr: string }) => ({
      code: err.code ?? -1,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
}

function options(argv: string[]): GeneratorOptions {
  const parsed = parseGenerateArgs(argv, {});
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.options;
}

function expectAddsUp(report: GeneratorReport, count: number) {
  expect(report.total.submitted).toBe(count);
  expect(report.total.pending).toBe(0);
  expect(report.total.succeeded + report.total.failed + report.total.cancelled).toBe(count);
  for (const key of ['submitted', 'succeeded', 'failed', 'cancelled'] as const) {
    expect(report.categories.reduce((n, c) => n + c[key], 0)).toBe(report.total[key]);
  }
  expect(report.timedOut).toBe(false);
}

describe('the generator against a real server', () => {
  let server: SpawnedServer;
  beforeAll(async () => {
    server = await spawnServer();
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('submits a mix with failing and delayed jobs, waits, and the report adds up', async () => {
    const io = { ...processIo(), out: { write: () => true } };
    const report = await runGenerator(
      options([
        '--url',
        server.url,
        '--count',
        '200',
        '--batch',
        '40',
        '--mix',
        'default:echo:1,reports:fib:2,images:sleep:1',
        '--fail',
        '0.1',
        '--delay',
        '0.1',
        '--delay-ms',
        '300',
        '--wait',
        '--timeout',
        '90',
        '--json',
        '--quiet',
        '--run-id',
        'int1',
      ]),
      io,
    );
    expectAddsUp(report, 200);
    // `fail` always fails, after its retries; nothing else in this mix fails.
    expect(report.total.failed).toBeGreaterThanOrEqual(20);
    expect(report.categories.map((c) => c.category)).toEqual(['default', 'reports', 'images']);
    expect(report.categories.map((c) => c.submitted)).toEqual([50, 100, 50]);
    for (const c of report.categories) {
      expect(c.waitMs.p50).not.toBeNull();
      expect(c.waitMs.p50!).toBeLessThanOrEqual(c.waitMs.p95!);
      expect(c.waitMs.p95!).toBeLessThanOrEqual(c.waitMs.p99!);
      expect(c.runMs.p50!).toBeLessThanOrEqual(c.runMs.p99!);
      expect(c.throughput).toBeGreaterThan(0);
      expect(c.allocation).toBeGreaterThanOrEqual(0);
    }
    expect(report.workers).toBe(2);
    expect(report.total.allocation).toBeLessThanOrEqual(2);
    // the slowest sleep jobs ran for at least their 50 ms
    expect(report.categories[2]?.runMs.p99).toBeGreaterThanOrEqual(50);

    // The server holds exactly this run's 200 jobs, each once, by its key.
    const client = createClient({ url: server.url });
    const seen = await allJobs(server.url);
    const keys = new Set(seen.map((j) => j.key));
    expect(seen).toHaveLength(200);
    expect(keys.size).toBe(200);
    expect(seen.filter((j) => j.task === 'fail').every((j) => j.state === 'failed')).toBe(true);
    expect(seen.filter((j) => j.task !== 'fail').every((j) => j.state === 'succeeded')).toBe(true);
    expect(await client.get(seen[0]!.id)).toMatchObject({ key: seen[0]!.key });

    // Sending the same run again creates nothing: the keys make a resend safe.
    const again = await runGenerator(
      options([
        '--url',
        server.url,
        '--count',
        '200',
        '--batch',
        '40',
        '--mix',
        'default:echo:1,reports:fib:2,images:sleep:1',
        '--fail',
        '0.1',
        '--delay',
        '0.1',
        '--quiet',
        '--run-id',
        'int1',
      ]),
      virtualIo(),
    );
    expect(again.total.submitted).toBe(200);
    expect(again.total.pending).toBe(0);
    expect(await allJobs(server.url)).toHaveLength(200);
  }, 120_000);

  it('runs as the CLI process and prints the report as JSON, and as a table', async () => {
    const json = await cli([
      '--url',
      server.url,
      '--count',
      '60',
      '--mix',
      'email:echo:1,reports:fib:1',
      '--wait',
      '--json',
    ]);
    expect(json.stderr).not.toMatch(/error/i);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as GeneratorReport;
    expectAddsUp(report, 60);
    expect(report.categories.map((c) => c.submitted)).toEqual([30, 30]);
    // not a terminal: plain progress lines, not a bar
    expect(json.stderr).toMatch(/^submit 60\/60/m);

    const table = await cli([
      '--url',
      server.url,
      '--count',
      '10',
      '--mix',
      'email:echo',
      '--wait',
      '--quiet',
    ]);
    expect(table.code).toBe(0);
    expect(table.stderr).toBe('');
    expect(table.stdout).toMatch(/^category\s+submitted\s+succeeded/m);
    expect(table.stdout).toMatch(/^email\s+10\s+10\s+0\s+0\s+0\s/m);
    expect(table.stdout).toMatch(/^total\s+10\s+10\s/m);
  }, 120_000);

  it('exits 1 naming an unknown task, and 2 for bad options', async () => {
    const unknown = await cli(['--url', server.url, '--mix', 'reports:nope:1', '--quiet']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /^cadre generate: unknown task 'nope' in --mix; the server has: .*fib/,
    );
    const bad = await cli(['--url', server.url, '--fail', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^cadre generate: --fail must be a share from 0 to 1/);
    expect(bad.stderr).not.toMatch(/\bat .*\.js:\d+/);
  }, 60_000);
});

describe('the generator CLI when it cannot do its job', () => {
  let guarded: SpawnedServer;
  beforeAll(async () => {
    guarded = await spawnServer({ CADRE_TOKEN: 'the-right-token' });
  }, 30_000);
  afterAll(async () => {
    await guarded?.stop();
  });

  it('exits 1 when the server refuses the token, and works with the right one', async () => {
    const wrong = await cli(['--url', guarded.url, '--count', '5'], { CADRE_TOKEN: 'wrong' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(
      'cadre generate: the server refused the token (set --token or CADRE_TOKEN)\n',
    );
    const none = await cli(['--url', guarded.url, '--count', '5']);
    expect(none.code).toBe(1);
    const right = await cli([
      '--url',
      guarded.url,
      '--count',
      '5',
      '--token',
      'the-right-token',
      '--mix',
      'email:echo',
      '--quiet',
    ]);
    expect(right.stderr).toBe('');
    expect(right.code).toBe(0);
  }, 60_000);

  it('exits 1 when nothing listens at the URL', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await cli(['--url', `http://127.0.0.1:${port}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^cadre generate: cannot reach cadre at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`,
      ),
    );
  }, 30_000);
});

/** Every job on the server, by paging the whole list (this server is fresh). */
async function allJobs(url: string): Promise<Job[]> {
  const client = createClient({ url });
  const all: Job[] = [];
  let cursor: string | null = null;
  do {
    const page = await client.list({ limit: 1000, ...(cursor === null ? {} : { cursor }) });
    all.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}
