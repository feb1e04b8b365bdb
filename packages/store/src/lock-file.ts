/**
 * One owner per data directory: `cadre.lock` holds the owner's pid. Created
 * with O_EXCL so that two starters cannot both win; a lock whose pid is gone
 * (the owner was killed) is taken over.
 */
import { join } from 'node:path';
import { Errors } from '@cadre/core';
import { errnoCode, writeAll, type StoreFs } from './store-fs.js';

export const LOCK_FILE = 'cadre.lock';

export interface Lock {
  readonly path: string;
  release(): Promise<void>;
}

export async function acquireLock(sfs: StoreFs, dir: string): Promise<Lock> {
  const path = join(dir, LOCK_FILE);
  // Two rounds: the second follows the removal of a stale lock; losing that
  // race to another starter ends in ERR_STORE_LOCKED like any live owner.
  for (let round = 0; ; round++) {
    try {
      const fd = await sfs.open(path, 'wx');
      try {
        await writeAll(sfs, fd, Buffer.from(`${process.pid}\n`));
      } finally {
        await sfs.close(fd);
      }
      return { path, release: () => releaseLock(sfs, path) };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    const owner = await readOwner(sfs, path);
    if (owner !== null && (isAlive(owner) || round > 0)) throw Errors.storeLocked(dir, owner);
    if (round > 0) throw Errors.storeLocked(dir, -1);
    try {
      await sfs.unlink(path);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
}

async function releaseLock(sfs: StoreFs, path: string): Promise<void> {
  try {
    await sfs.unlink(path);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

/** The pid in the lock, or null when it holds none (its writer died before writing it). */
async function readOwner(sfs: StoreFs, path: string): Promise<number | null> {
  let fd: number;
  try {
    fd = await sfs.open(path, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
  try {
    const buffer = Buffer.alloc(64);
    const n = await sfs.read(fd, buffer, 0, buffer.length, 0);
    const pid = Number.parseInt(buffer.toString('utf8', 0, n).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } finally {
    await sfs.close(fd);
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
