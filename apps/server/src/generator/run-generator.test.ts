import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { GeneratorError } from './errors.js';
import { generateCommand } from './generate-command.js';
import { parseGenerateArgs, type GeneratorOptions } from './options.js';
import { runGenerator } from './run-generator.js';
import { startFakeCadre, type FakeCadre } from './test-support/fake-cadre.js';
import { virtualIo } from './test-support/virtual-io.js';

let fake: FakeCadre | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

function options(url: string, argv: string[]): GeneratorOptions {
  const parsed = parseGenerateArgs(['--url', url, '--run-id', 't1', ...argv], {});
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.options;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('runGenerator against a stand-in server', () => {
  it('submits the whole mix in batches with run-scoped keys and reports without waiting', async () => {
    fake = await startFakeCadre();
    const io = virtualIo();
    const report = await runGenerator(
      options(fake.url, [
        '--count',
        '250',
        '--batch',
        '100',
        '--mix',
        'reports:fib:3,images:sleep:2',
        '--quiet',
      ]),
      io,
    );
    expect(fake.jobs).toHaveLength(250);
    expect(fake.requests.filter((r) => r === 'POST /api/jobs')).toHaveLength(3);
    expect(new Set(fake.jobs.map((j) => j.key)).size).toBe(250);
    expect(fake.jobs[0]?.key).toBe('gen-t1-0');
    expect(report.categories.map((c) => [c.category, c.submitted, c.pending])).toEqual([
      ['reports', 150, 150],
      ['images', 100, 100],
    ]);
    expect(report.total).toMatchObject({
      submitted: 250,
      succeeded: 0,
      pending: 250,
      allocation: 2,
    });
    expect(io.output()).toContain('250 jobs had not finished yet');
    expect(io.errors()).toBe('');
  });

  it('waits with few requests, stops each sweep at the run, and adds up', async () => {
    fake = await startFakeCadre({ preexisting: 5000 });
    const f = fake;
    f.onStats = () => f.finishNext(150);
    const io = virtualIo();
    const report = await runGenerator(
      options(f.url, [
        '--count',
        '1000',
        '--batch',
        '500',
        '--mix',
        'reports:fib',
        '--fail',
        '0.1',
        '--wait',
        '--json',
      ]),
      io,
    );
    expect(report.total).toMatchObject({
      submitted: 1000,
      succeeded: 900,
      failed: 100,
      cancelled: 0,
      pending: 0,
    });
    expect(report.timedOut).toBe(false);
    // Far fewer than one request per job, and the 5000 older jobs are never paged through.
    const lists = f.requests.filter((r) => r === 'GET /api/jobs').length;
    expect(lists).toBeGreaterThan(0);
    expect(lists).toBeLessThanOrEqual(6);
    expect(f.requests.filter((r) => r.startsWith('GET /api/jobs/'))).toHaveLength(0);
    expect(JSON.parse(io.output())).toMatchObject({ runId: 't1', total: { succeeded: 900 } });
  });

  it('awaits a small tail job by job, and prints plain progress lines when not on a terminal', async () => {
    fake = await startFakeCadre();
    const io = virtualIo();
    const report = await runGenerator(
      options(fake.url, ['--count', '40', '--mix', 'images:sleep', '--delay', '0.5', '--wait']),
      io,
    );
    expect(report.total).toMatchObject({ submitted: 40, succeeded: 40, pending: 0 });
    expect(fake.requests.filter((r) => r.startsWith('GET /api/jobs/'))).toHaveLength(40);
    expect(io.errors()).toMatch(/^submit 40\/40/m);
    expect(io.errors()).toMatch(/^finish 40\/40/m);
  });

  it('gives up waiting at --timeout and says how many jobs did not finish', async () => {
    fake = await startFakeCadre();
    const f = fake;
    f.onStats = () => f.finishNext(1);
    const io = virtualIo();
    const report = await runGenerator(
      options(f.url, [
        '--count',
        '500',
        '--mix',
        'reports:fib',
        '--wait',
        '--timeout',
        '3',
        '--quiet',
      ]),
      io,
    );
    expect(report.timedOut).toBe(true);
    expect(report.total.pending).toBeGreaterThan(400);
    expect(io.output()).toMatch(/gave up waiting: \d+ jobs had not finished/);
  });

  it('honours 429 Retry-After and retries 503 by resending the same batch, without duplicates', async () => {
    fake = await startFakeCadre();
    fake.submitScript.push(
      { status: 429, code: 'ERR_QUEUE_FULL', retryAfterS: 2 },
      { status: 503, code: 'ERR_SHUTTING_DOWN' },
    );
    const io = virtualIo();
    const report = await runGenerator(
      options(fake.url, ['--count', '300', '--batch', '100', '--mix', 'reports:fib', '--quiet']),
      io,
    );
    expect(report.total.submitted).toBe(300);
    expect(fake.jobs).toHaveLength(300);
    expect(io.sleeps).toContain(2000);
    expect(io.sleeps).toContain(250);
  });

  it('fails clearly when the server stays unavailable', async () => {
    fake = await startFakeCadre();
    for (let i = 0; i < 10; i++)
      fake.submitScript.push({ status: 503, code: 'ERR_STORE_UNAVAILABLE' });
    const run = runGenerator(
      options(fake.url, ['--count', '10', '--concurrency', '1', '--quiet']),
      virtualIo(),
    );
    await expect(run).rejects.toThrow(GeneratorError);
    await expect(run).rejects.toThrow(
      'submitting jobs failed, the server is unavailable: scripted 503 (ERR_STORE_UNAVAILABLE)',
    );
  });

  it('paces submissions at --rate', async () => {
    fake = await startFakeCadre();
    const io = virtualIo();
    const report = await runGenerator(
      options(fake.url, ['--count', '100', '--rate', '200', '--mix', 'reports:fib', '--quiet']),
      io,
    );
    // batches of 10 (rate/20); the first is the burst, the other 90 jobs come at 200/s
    expect(fake.requests.filter((r) => r === 'POST /api/jobs')).toHaveLength(10);
    expect(report.submitMs).toBeCloseTo(450, 0);
  });

  it('names an unknown task before sending anything', async () => {
    fake = await startFakeCadre();
    const run = runGenerator(
      options(fake.url, ['--mix', 'reports:nope:1', '--quiet']),
      virtualIo(),
    );
    await expect(run).rejects.toThrow(
      "unknown task 'nope' in --mix; the server has: echo, sleep, fib, fail",
    );
    expect(fake.jobs).toHaveLength(0);
  });
});

describe('generateCommand', () => {
  it('exits 1 with the reason when the token is refused', async () => {
    fake = await startFakeCadre({ token: 'right' });
    const io = virtualIo();
    const code = await generateCommand(['--url', fake.url, '--token', 'wrong'], {}, io);
    expect(code).toBe(1);
    expect(io.errors()).toBe(
      'cadre generate: the server refused the token (set --token or CADRE_TOKEN)\n',
    );
    expect(fake.jobs).toHaveLength(0);
  });

  it('uses CADRE_TOKEN from the environment', async () => {
    fake = await startFakeCadre({ token: 'right' });
    const io = virtualIo();
    const code = await generateCommand(
      ['--url', fake.url, '--count', '5', '--quiet'],
      { CADRE_TOKEN: 'right' },
      io,
    );
    expect(code).toBe(0);
    expect(fake.jobs).toHaveLength(5);
  });

  it('exits 1 with the reason when nothing listens at the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const io = virtualIo();
    expect(await generateCommand(['--url', url], {}, io)).toBe(1);
    expect(io.errors()).toMatch(
      new RegExp(`^cadre generate: cannot reach cadre at ${url}: .*ECONNREFUSED`),
    );
  });

  it('exits 2 with the option and the usage on bad input', async () => {
    const io = virtualIo();
    expect(await generateCommand(['--count', 'many'], {}, io)).toBe(2);
    expect(io.errors()).toMatch(
      /^cadre generate: --count must be an integer from 1 to 10000000, got 'many'\n\nusage: cadre generate/,
    );
  });

  it('prints the usage on --help', async () => {
    const io = virtualIo();
    expect(await generateCommand(['--help'], {}, io)).toBe(0);
    expect(io.output()).toMatch(/^usage: cadre generate/);
  });
});
