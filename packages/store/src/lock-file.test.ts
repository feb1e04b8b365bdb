/**
 * The lock after a `kill -9`, with real processes: a restart must take over
 * the lock of a dead owner however its pid looks now, and two live owners of
 * one directory must still be refused.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCadreError } from '@cadre/core';
import { acquireLock, decodeLock, encodeLock, LOCK_FILE } from './lock-file.js';
import { openLowdbStore, type LowdbStore } from './lowdb-store.js';
import {
  parseProcessStat,
  readProcessStat,
  selfIdentity,
  type ProcessIdentity,
} from './process-identity.js';
import { nodeFs } from './store-fs.js';
import { makeTmpDir } from './test-support/tmp-dir.js';

const HOLDER = fileURLToPath(new URL('./test-support/lock-holder.ts', import.meta.url));
const NODE = [process.execPath, '--import', 'tsx', HOLDER];

let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
const children: ChildProcess[] = [];
const stores: LowdbStore[] = [];

beforeEach(async () => {
  tmp = await makeTmpDir();
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await tmp.remove();
});

const lockPath = (): string => join(tmp.dir, LOCK_FILE);
const quiet = { warn: () => undefined };

async function openStore(): Promise<LowdbStore> {
  const store = await openLowdbStore({ dir: tmp.dir, logger: quiet });
  stores.push(store);
  return store;
}

async function refusal(): Promise<unknown> {
  return openLowdbStore({ dir: tmp.dir, logger: quiet }).then(
    async (store) => {
      await store.close();
      return null;
    },
    (err: unknown) => err,
  );
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Spawns `command` and resolves with the pid it prints as `held <pid>`, once it holds the store. */
function startHolder(
  command: string,
  args: string[],
): Promise<{ child: ChildProcess; pid: number }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^held (\d+)$/m.exec(out);
      if (match !== null) resolve({ child, pid: Number(match[1]) });
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`${command} ended (${code ?? signal}) before holding: ${out}${err}`)),
    );
  });
}

/** Runs `command` to its end; resolves with its stdout. */
function run(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${out}${err}`)),
    );
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function writeLock(owner: ProcessIdentity): Promise<void> {
  await writeFile(lockPath(), encodeLock(owner));
}

/** The host pid of the child of `parent` (the pid 1 that `unshare --fork` started). */
async function childOf(parent: number): Promise<number> {
  return waitFor(`a child of ${parent}`, async () => {
    for (const name of await readdir('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const text = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      if (fields[1] === String(parent)) return Number(name);
    }
    return null;
  });
}

function requireUnshare(): void {
  const probe = spawnSync('unshare', ['--version']);
  expect(
    probe.error,
    'this test needs `unshare` (util-linux) on the PATH and root, to run a real pid namespace',
  ).toBeUndefined();
}

const UNSHARE = ['--pid', '--fork', '--mount-proc'];

describe('the lock file', () => {
  it('reads /proc/<pid>/stat after the last parenthesis (comm may hold spaces and parens)', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'Z';
    expect(parseProcessStat(`42 (a) b (c) ${fields.join(' ')}\n`)).toEqual({
      state: 'Z',
      startTime: '22',
    });
    expect(parseProcessStat('42 (nothing after')).toBeNull();
  });

  it('names its owner by pid, start time, boot and pid namespace, and still reads a bare pid', async () => {
    const self = await selfIdentity();
    expect(self.startTime).toMatch(/^\d+$/);
    expect(self.bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect(self.pidNamespace).toMatch(/^pid:\[\d+\]$/);
    expect(decodeLock(encodeLock(self))).toEqual(self);
    expect(encodeLock(self).startsWith(`${process.pid} `)).toBe(true);
    expect(decodeLock('1234\n')).toEqual({
      pid: 1234,
      startTime: null,
      bootId: null,
      pidNamespace: null,
    });
    expect(decodeLock('')).toBeNull();
  });

  it.each([
    ['a bare pid (an earlier release)', (self: ProcessIdentity) => `${self.pid}\n`],
    [
      'our pid with another start time',
      (self: ProcessIdentity) => encodeLock({ ...self, startTime: '1' }),
    ],
  ])('takes over a lock naming our own pid: %s', async (_, lock) => {
    // As pid 1 of a container is, every time: an earlier incarnation of ours was killed.
    await writeFile(lockPath(), lock(await selfIdentity()));
    await openStore();
    expect(decodeLock(await readFile(lockPath(), 'utf8'))).toEqual(await selfIdentity());
  });

  it('still refuses a second open of a directory this process holds', async () => {
    await openStore();
    const err = await refusal();
    expect(isCadreError(err) && err.code).toBe('ERR_STORE_LOCKED');
    expect(String(err)).toContain(`pid ${process.pid}`);
  });

  it('leaves, on close, a lock that someone else has taken over', async () => {
    const store = await openStore();
    const theirs = encodeLock({ ...(await selfIdentity()), pid: 999_999, startTime: '5' });
    await writeFile(lockPath(), theirs);
    await store.close();
    expect(await readFile(lockPath(), 'utf8')).toBe(theirs);
  });

  it('lets only one of two concurrent opens in this process in', async () => {
    const results = await Promise.allSettled([openStore(), openStore()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const err = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
    expect(isCadreError(err) && err.code).toBe('ERR_STORE_LOCKED');
  });

  it('takes over the lock of a killed owner that is still a zombie', async () => {
    // sh exec's into sleep, which never reaps its node child: once killed, it stays a zombie.
    const script = '"$0" --import tsx "$1" hold "$2" z & exec sleep 60';
    const { pid } = await startHolder('sh', ['-c', script, process.execPath, HOLDER, tmp.dir]);
    process.kill(pid, 'SIGKILL');
    await waitFor('the zombie', async () =>
      (await readProcessStat(pid))?.state === 'Z' ? true : null,
    );
    const store = await openStore();
    expect((await store.load()).jobs.map((j) => j.id)).toEqual(['z']);
  });

  it('takes over a lock whose pid now belongs to an unrelated process', async () => {
    const sleeper = spawn('sleep', ['60']);
    children.push(sleeper);
    const pid = sleeper.pid as number;
    const stat = await waitFor('the sleeper', () => readProcessStat(pid));
    const self = await selfIdentity();
    const startTime = String(BigInt(stat.startTime) - 1n);
    await writeLock({ ...self, pid, startTime });
    await openStore();
  });

  it('refuses a lock naming a live process with its recorded start time', async () => {
    const sleeper = spawn('sleep', ['60']);
    children.push(sleeper);
    const pid = sleeper.pid as number;
    const stat = await waitFor('the sleeper', () => readProcessStat(pid));
    await writeLock({ ...(await selfIdentity()), pid, startTime: stat.startTime });
    const err = await refusal();
    expect(isCadreError(err) && err.code).toBe('ERR_STORE_LOCKED');
    expect(String(err)).toContain(`pid ${pid}`);
  });

  it('refuses a second live process, and lets it in once the first is gone', async () => {
    const { child, pid } = await startHolder(NODE[0] as string, [
      ...NODE.slice(1),
      'hold',
      tmp.dir,
      'a',
    ]);
    const err = await refusal();
    expect(isCadreError(err) && err.code).toBe('ERR_STORE_LOCKED');
    expect(String(err)).toContain(`pid ${pid}`);
    expect(await run(NODE[0] as string, [...NODE.slice(1), 'open', tmp.dir])).toMatch(
      /^refused ERR_STORE_LOCKED .*pid \d+/,
    );
    child.kill('SIGKILL');
    await exited(child);
    expect((await (await openStore()).load()).jobs.map((j) => j.id)).toEqual(['a']);
  });

  it('falls back to kill(pid, 0) where /proc is missing', async () => {
    const options = { proc: join(tmp.dir, 'no-proc') };
    const sleeper = spawn('sleep', ['60']);
    children.push(sleeper);
    await writeFile(
      lockPath(),
      encodeLock({ pid: sleeper.pid as number, startTime: '1', bootId: null, pidNamespace: null }),
    );
    const err: unknown = await acquireLock(nodeFs, tmp.dir, options).catch((e: unknown) => e);
    expect(isCadreError(err) && err.code).toBe('ERR_STORE_LOCKED');
    sleeper.kill('SIGKILL');
    await exited(sleeper);
    const lock = await acquireLock(nodeFs, tmp.dir, options);
    expect(decodeLock(await readFile(lockPath(), 'utf8'))?.startTime).toBeNull();
    await lock.release();
  });

  describe('in a real pid namespace (unshare)', () => {
    const inNamespace = (...args: string[]): [string, string[]] => [
      'unshare',
      [...UNSHARE, ...NODE, ...args],
    ];

    it('restarts after the server, pid 1 of its namespace, was killed', async () => {
      requireUnshare();
      const first = await startHolder(...inNamespace('hold', tmp.dir, 'a'));
      expect(first.pid).toBe(1);
      process.kill(await childOf(first.child.pid as number), 'SIGKILL');
      await exited(first.child);
      // The restart is pid 1 again, in a namespace that may or may not be a new one.
      expect(await run(...inNamespace('open', tmp.dir))).toBe('opened a\n');
    }, 60_000);

    it('refuses a starter outside the namespace while the owner inside lives', async () => {
      requireUnshare();
      await startHolder(...inNamespace('hold', tmp.dir, 'a'));
      const err = await refusal();
      expect(isCadreError(err) && err.code).toBe('ERR_STORE_LOCKED');
      expect(String(err)).toContain('pid 1');
    });

    it('lets a starter outside the namespace in once the owner stopped refreshing the lock', async () => {
      requireUnshare();
      const first = await startHolder(...inNamespace('hold', tmp.dir, 'a'));
      process.kill(await childOf(first.child.pid as number), 'SIGKILL');
      await exited(first.child);
      const lock = await acquireLock(nodeFs, tmp.dir, { staleAfterMs: 2_000 });
      await lock.release();
    });
  });
});
