/**
 * One owner per data directory: `cadre.lock`, created with O_EXCL so that two
 * starters cannot both win, names its owner in one line:
 *
 *   <pid> <start time> <boot id> <pid namespace>\n      ('-' where unknown)
 *
 * The pid comes first so that a release that wrote (and reads) the pid alone
 * still finds it; such old one-field locks are read as well.
 *
 * A pid alone does not name a process: after a `kill -9` the restarted server
 * may get the same pid (pid 1 of a container, every time), the killed one may
 * linger as a zombie, or its pid may now belong to another program. So a lock
 * is stale, and taken over, when
 *   - it was written during another boot;
 *   - it names our own pid (an earlier incarnation of ours: this process
 *     keeps a registry of the locks it holds, and a second open of a held
 *     directory is refused by that registry, never by the pid);
 *   - its pid is gone, a zombie, or a process whose start time is not the
 *     recorded one (/proc/<pid>/stat, field 22).
 * Otherwise its owner is alive and the directory is refused (ERR_STORE_LOCKED).
 * Where /proc is missing, or is not our pid namespace's, only kill(pid, 0)
 * can tell, as in earlier releases.
 *
 * A lock written from another pid namespace cannot be judged by its pid at
 * all: the same number means another process here. Every container restart
 * is such a case (a fresh namespace on the same volume). Decision: the owner
 * refreshes the lock file's mtime every second (a heartbeat), and a starter
 * in another namespace watches it: a refresh proves a live owner (refused,
 * within about a second); no refresh for 10 s means a dead one (taken over).
 * 10 s, not less, because an owner whose event loop stalls (a long GC, a
 * large recovery) must not lose its directory to a second writer; a restart
 * after a `kill -9` in a fresh container waits that long at most, a clean
 * stop releases the lock at once. This needs the two namespaces to share a
 * clock, which holds on one machine; a lock from another boot is stale.
 *
 * Left open: two starters that both judge one stale lock race to replace it;
 * re-reading the lock just before removing it narrows that window but does
 * not close it. The registry lives on globalThis, which each worker thread
 * has its own of: two threads of one process opening the same directory are
 * not told apart.
 *
 * The heartbeat and the mtime go through node:fs, not StoreFs: StoreFs is the
 * data files' I/O, which tests (and apps/server's) replace to inject faults.
 */
import { realpath, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Errors } from '@cadre/core';
import {
  PROC,
  procShowsOurPids,
  readProcessStat,
  selfIdentity,
  type ProcessIdentity,
} from './process-identity.js';
import { errnoCode, writeAll, type StoreFs } from './store-fs.js';

export const LOCK_FILE = 'cadre.lock';

export interface Lock {
  readonly path: string;
  release(): Promise<void>;
}

/** Tests shorten the waits, or point at a /proc that is not there. */
export interface LockOptions {
  /** @defaultValue '/proc' */
  proc?: string;
  /** How often the owner refreshes the lock's mtime. @defaultValue 1000 */
  heartbeatMs?: number;
  /** A lock from another pid namespace unrefreshed this long is stale. @defaultValue 10000 */
  staleAfterMs?: number;
}

/** Lock paths held by this process; on globalThis, so that two copies of this module share it. */
const held: Set<string> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('cadre.store.heldLocks')
] ??= new Set<string>()) as Set<string>;

export async function acquireLock(
  sfs: StoreFs,
  dir: string,
  options: LockOptions = {},
): Promise<Lock> {
  // The real path, so that two spellings of one directory meet in the registry.
  const path = join(await realpath(dir).catch(() => resolve(dir)), LOCK_FILE);
  if (held.has(path)) throw Errors.storeLocked(dir, process.pid);
  // Reserved before the first await, so that a concurrent open in this
  // process is refused here and never judges our fresh lock an old one.
  held.add(path);
  try {
    return await createLock(sfs, dir, path, options);
  } catch (err) {
    held.delete(path);
    throw err;
  }
}

async function createLock(
  sfs: StoreFs,
  dir: string,
  path: string,
  options: LockOptions,
): Promise<Lock> {
  const settings = {
    proc: options.proc ?? PROC,
    heartbeatMs: options.heartbeatMs ?? 1_000,
    staleAfterMs: options.staleAfterMs ?? 10_000,
  };
  const self = await selfIdentity(settings.proc);
  const text = encodeLock(self);
  // Two rounds: the second follows the removal of a stale lock; losing that
  // race to another starter ends in ERR_STORE_LOCKED like any live owner.
  for (let round = 0; ; round++) {
    try {
      const fd = await sfs.open(path, 'wx');
      try {
        await writeAll(sfs, fd, Buffer.from(text));
      } finally {
        await sfs.close(fd);
      }
      return holdLock(sfs, path, text, settings.heartbeatMs);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    const found = await readLock(sfs, path);
    if (round > 0) throw Errors.storeLocked(dir, found?.owner?.pid ?? -1);
    if (found === null) continue;
    if (found.owner !== null && (await ownerLives(path, found, self, settings))) {
      throw Errors.storeLocked(dir, found.owner.pid);
    }
    // Judging may have taken seconds: remove the lock only if it is still the one judged.
    const now = await readLock(sfs, path);
    if (now !== null && now.text !== found.text) {
      throw Errors.storeLocked(dir, now.owner?.pid ?? -1);
    }
    try {
      await sfs.unlink(path);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
}

function holdLock(sfs: StoreFs, path: string, text: string, heartbeatMs: number): Lock {
  let beating = false;
  const heartbeat = setInterval(() => {
    if (beating) return;
    beating = true;
    const now = new Date();
    // A missed beat is retried on the next; it matters only to a starter in
    // another pid namespace, which waits for many beats before taking over.
    utimes(path, now, now)
      .catch(() => undefined)
      .finally(() => (beating = false));
  }, heartbeatMs);
  heartbeat.unref();
  let released: Promise<void> | null = null;
  return {
    path,
    release: () => {
      released ??= (async () => {
        clearInterval(heartbeat);
        try {
          // Someone who judged us dead took over: the lock is theirs now.
          if ((await readLock(sfs, path))?.text !== text) return;
          await sfs.unlink(path);
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT') throw err;
        } finally {
          held.delete(path);
        }
      })();
      return released;
    },
  };
}

export function encodeLock(owner: ProcessIdentity): string {
  const fields = [owner.startTime, owner.bootId, owner.pidNamespace].map((f) => f ?? '-');
  return `${owner.pid} ${fields.join(' ')}\n`;
}

/** The owner a lock names, or null when it names none (its writer died before writing). */
export function decodeLock(text: string): ProcessIdentity | null {
  const [pidText, startTime, bootId, pidNamespace] = text.trim().split(/\s+/);
  if (pidText === undefined || !/^\d+$/.test(pidText)) return null;
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid < 1) return null;
  const known = (field: string | undefined): string | null =>
    field === undefined || field === '-' ? null : field;
  return {
    pid,
    startTime: known(startTime),
    bootId: known(bootId),
    pidNamespace: known(pidNamespace),
  };
}

interface FoundLock {
  text: string;
  owner: ProcessIdentity | null;
  mtimeMs: number;
}

async function readLock(sfs: StoreFs, path: string): Promise<FoundLock | null> {
  let fd: number;
  try {
    fd = await sfs.open(path, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
  try {
    const buffer = Buffer.alloc(512);
    const n = await sfs.read(fd, buffer, 0, buffer.length, 0);
    const text = buffer.toString('utf8', 0, n);
    const mtimeMs = await mtimeOf(path);
    return { text, owner: decodeLock(text), mtimeMs: mtimeMs ?? 0 };
  } finally {
    await sfs.close(fd);
  }
}

async function ownerLives(
  path: string,
  found: FoundLock,
  self: ProcessIdentity,
  settings: Required<LockOptions>,
): Promise<boolean> {
  const owner = found.owner as ProcessIdentity;
  if (owner.bootId !== null && self.bootId !== null && owner.bootId !== self.bootId) return false;
  if (
    owner.pidNamespace !== null &&
    self.pidNamespace !== null &&
    owner.pidNamespace !== self.pidNamespace
  ) {
    return heartbeatGoesOn(path, found.mtimeMs, settings);
  }
  // Not a lock this process holds (the registry said so): an earlier incarnation's.
  if (owner.pid === self.pid) return false;
  const stat = (await procShowsOurPids(settings.proc))
    ? await readProcessStat(owner.pid, settings.proc)
    : null;
  // No entry: gone, or hidden from us (hidepid); kill() tells those apart.
  if (stat === null) return isAlive(owner.pid);
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return owner.startTime === null || stat.startTime === owner.startTime;
}

/** Watches the lock's mtime until it moves (a live owner) or has stood still for `staleAfterMs`. */
async function heartbeatGoesOn(
  path: string,
  mtimeMs: number,
  settings: Required<LockOptions>,
): Promise<boolean> {
  const started = performance.now();
  const poll = Math.max(10, Math.min(250, settings.heartbeatMs / 4));
  for (;;) {
    const now = await mtimeOf(path);
    // Removed: its owner let go.
    if (now === null) return false;
    if (now !== mtimeMs) return true;
    // Our own watch bounds the wait too, should the mtime lie in our future.
    const watched = performance.now() - started;
    if (Date.now() - now >= settings.staleAfterMs || watched >= settings.staleAfterMs) return false;
    await sleep(poll);
  }
}

async function mtimeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mtimeMs;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return errnoCode(err) === 'EPERM';
  }
}
