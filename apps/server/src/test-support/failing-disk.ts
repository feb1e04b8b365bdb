/**
 * A StoreFs (the lowdb store's injectable file-system calls) over node:fs
 * whose writes and fsyncs can be made to fail like a full or dying disk.
 * @cadre/store keeps its own fault fs private to its tests, hence this one.
 */
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import type { StoreFs } from '@cadre/store';

export interface FailingDisk extends StoreFs {
  /** From now on, calls of `ops` fail with `code` (ENOSPC, EIO) until healed. */
  fail(code: string, ops?: readonly DiskOp[]): void;
  heal(): void;
  /** Calls that failed so far. */
  readonly failures: number;
}

export type DiskOp = 'write' | 'fsync' | 'fdatasync';

const pRead = promisify(fs.read);
const pWrite = promisify(fs.write);

export function failingDisk(): FailingDisk {
  let code: string | null = null;
  let failing: readonly DiskOp[] = [];
  let failures = 0;
  const check = (op: DiskOp): void => {
    if (code === null || !failing.includes(op)) return;
    failures++;
    const err = new Error(`${code}: injected disk fault in ${op}`) as NodeJS.ErrnoException;
    err.code = code;
    throw err;
  };
  return {
    fail: (c, ops = ['write', 'fsync', 'fdatasync']) => {
      code = c;
      failing = ops;
    },
    heal: () => void (code = null),
    get failures() {
      return failures;
    },
    open: (path, flags) => promisify(fs.open)(path, flags),
    close: promisify(fs.close),
    read: async (fd, buffer, offset, length, position) =>
      (await pRead(fd, buffer, offset, length, position)).bytesRead,
    write: async (fd, buffer, offset, length) => {
      check('write');
      return (await pWrite(fd, buffer, offset, length)).bytesWritten;
    },
    fsync: async (fd) => {
      check('fsync');
      await promisify(fs.fsync)(fd);
    },
    fdatasync: async (fd) => {
      check('fdatasync');
      await promisify(fs.fdatasync)(fd);
    },
    ftruncate: promisify(fs.ftruncate),
    fstatSize: async (fd) => (await promisify(fs.fstat)(fd)).size,
    rename: fs.promises.rename,
    unlink: fs.promises.unlink,
    readdir: (dir) => fs.promises.readdir(dir),
    mkdir: async (dir) => {
      await fs.promises.mkdir(dir, { recursive: true });
    },
  };
}
