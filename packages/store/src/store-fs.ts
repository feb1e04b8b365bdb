/**
 * The few file-system calls the lowdb store makes, behind one object so that a
 * test can inject ENOSPC or EIO, or count fsyncs. Everything works on raw file
 * descriptors: the journal needs positional control (ftruncate back to the last
 * good offset) that streams hide.
 */
import * as fs from 'node:fs';
import { promisify } from 'node:util';

export interface StoreFs {
  open(path: string, flags: string): Promise<number>;
  close(fd: number): Promise<void>;
  /** Reads at `position`; resolves with the number of bytes read (0 at the end). */
  read(
    fd: number,
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<number>;
  /** Writes at the file's current position (the end, for files opened with 'a'). */
  write(fd: number, buffer: Buffer, offset: number, length: number): Promise<number>;
  fsync(fd: number): Promise<void>;
  fdatasync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  fstatSize(fd: number): Promise<number>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  mkdir(dir: string): Promise<void>;
}

const pRead = promisify(fs.read);
const pWrite = promisify(fs.write);

export const nodeFs: StoreFs = {
  open: (path, flags) => promisify(fs.open)(path, flags),
  close: promisify(fs.close),
  read: async (fd, buffer, offset, length, position) =>
    (await pRead(fd, buffer, offset, length, position)).bytesRead,
  write: async (fd, buffer, offset, length) =>
    (await pWrite(fd, buffer, offset, length)).bytesWritten,
  fsync: promisify(fs.fsync),
  fdatasync: promisify(fs.fdatasync),
  ftruncate: promisify(fs.ftruncate),
  fstatSize: async (fd) => (await promisify(fs.fstat)(fd)).size,
  rename: fs.promises.rename,
  unlink: fs.promises.unlink,
  readdir: (dir) => fs.promises.readdir(dir),
  mkdir: async (dir) => {
    await fs.promises.mkdir(dir, { recursive: true });
  },
};

/** Writes all of `buffer`, looping over short writes. */
export async function writeAll(sfs: StoreFs, fd: number, buffer: Buffer): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    done += await sfs.write(fd, buffer, done, buffer.length - done);
  }
}

/** Makes a created, renamed or deleted entry of `dir` durable. */
export async function fsyncDir(sfs: StoreFs, dir: string): Promise<void> {
  const fd = await sfs.open(dir, 'r');
  try {
    await sfs.fsync(fd);
  } finally {
    await sfs.close(fd);
  }
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}
