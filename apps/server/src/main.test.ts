// The real entry point as a child process: startup checks, the ready line,
// graceful shutdown and restart on the same data directory.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@cadre/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './test-support/test-server.js';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const mainJs = join(serverDir, 'dist', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'cadre-main-'));
const children: ChildProcess[] = [];

beforeAll(() => {
  // `npm test` builds first (turbo); a bare `vitest run` may not have.
  if (!existsSync(mainJs)) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: serverDir, stdio: 'inherit' });
  }
}, 120_000);
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Started {
  const child = spawn(process.execPath, [mainJs], {
    cwd: tmp,
    env: { PATH: process.env.PATH ?? '', PORT: '0', CADRE_WORKERS: '2', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => out, exited };
}

async function ready(started: Started): Promise<string> {
  const match = await until(
    () => /cadre listening on (http:\/\/[^\s"]+)/.exec(started.output()),
    (m) => m !== null || started.child.exitCode !== null,
    30_000,
  );
  if (match === null) throw new Error(`server exited early:\n${started.output()}`);
  return match[1]!;
}

describe('main', () => {
  it('drains on SIGTERM, exits 0, and finds unfinished jobs again on restart', async () => {
    const data = join(tmp, 'data-graceful');
    const env = { CADRE_DATA: data, CADRE_GRACE_MS: '2000' };
    const first = start(env);
    const url = await ready(first);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.output().match(/listening on/g)).toHaveLength(1);
    const client = createClient({ url });
    const [short, long] = await client.submit([
      { task: 'sleep', input: { ms: 600 } },
      { task: 'sleep', input: { ms: 60_000 } },
    ]);
    await until(
      () => client.list({ state: 'running' }),
      (page) => page.jobs.length === 2,
    );

    // A second server on the same directory is refused while this one holds it.
    const intruder = start({ CADRE_DATA: data });
    expect(await intruder.exited).toBe(1);
    expect(intruder.output()).toMatch(/in use|used by another/);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('cadre stopped');

    const second = start(env);
    const client2 = createClient({ url: await ready(second) });
    expect(await client2.get(short!.id)).toMatchObject({
      state: 'succeeded',
      result: { slept: 600 },
    });
    const again = await client2.get(long!.id);
    expect(['queued', 'running']).toContain(again.state);
    expect(again.attempts).toBeGreaterThanOrEqual(1);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(second.output()).not.toMatch(/"level":50/);
  }, 60_000);

  it('refuses a non-loopback HOST without a token, saying why', async () => {
    const run = start({ HOST: '0.0.0.0', CADRE_DATA: join(tmp, 'data-host') });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('refusing to listen on 0.0.0.0 without CADRE_TOKEN');
    expect(run.output()).not.toMatch(/\n\s+at /);
  });

  it('refuses CADRE_READ_TOKEN without CADRE_TOKEN, saying why', async () => {
    const run = start({ CADRE_READ_TOKEN: 'r-only', CADRE_DATA: join(tmp, 'data-read') });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('CADRE_READ_TOKEN: is set without CADRE_TOKEN');
    expect(run.output()).not.toContain('r-only');
    expect(run.output()).not.toMatch(/\n\s+at /);
  });

  it('exits 1 naming the file and the field of a bad config', async () => {
    const file = join(tmp, 'bad.json');
    writeFileSync(file, JSON.stringify({ categories: [{ name: 'a', weight: -1 }] }));
    const run = start({ CADRE_CONFIG: file, CADRE_DATA: join(tmp, 'data-config') });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(file);
    expect(run.output()).toContain('categories[0].weight');
    expect(run.output()).not.toMatch(/\n\s+at /);
  });

  it('exits 1 naming an invalid environment variable', async () => {
    const run = start({ CADRE_WORKERS: 'many', CADRE_DATA: join(tmp, 'data-env') });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain("CADRE_WORKERS: must be an integer from 1 to 1024, got 'many'");
  });
});
