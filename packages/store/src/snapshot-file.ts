/**
 * The lowdb adapter for the snapshot. lowdb's own JSONFile stringifies the
 * whole document in one call (about 100 ms of blocked event loop for 100,000
 * jobs) and renames without fsync. This adapter writes a slice of jobs at a
 * time, yielding between slices, then fsyncs the file, renames it over the
 * old snapshot and fsyncs the directory. Reading goes line by line, so that
 * damage is reported with its line number.
 */
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Adapter } from 'lowdb';
import type { Job } from '@cadre/core';
import { Errors } from '@cadre/core';
import type { CategoryOverride } from './job-store.js';
import { emptySide, type SideRecords } from './side-records.js';
import { readLines } from './line-reader.js';
import {
  SNAPSHOT_FOOTER,
  decodeSnapshotHeader,
  decodeSnapshotJob,
  encodeSnapshotHeader,
} from './records.js';
import { errnoCode, fsyncDir, writeAll, type StoreFs } from './store-fs.js';

export const SNAPSHOT_FILE = 'snapshot.json';
export const SNAPSHOT_TEMP_FILE = 'snapshot.json.tmp';

export interface SnapshotData extends SideRecords {
  /** The last journal segment this snapshot covers. */
  seq: number;
  categories: Record<string, CategoryOverride>;
  jobs: Job[];
}

export function emptySnapshot(): SnapshotData {
  return { seq: 0, categories: {}, ...emptySide(), jobs: [] };
}

/** How much of a snapshot may be written before it is synced. */
const SYNC_EVERY_BYTES = 4 * 1024 * 1024;

export class SnapshotFile implements Adapter<SnapshotData> {
  readonly path: string;
  readonly #tempPath: string;
  readonly #dir: string;
  readonly #fs: StoreFs;
  readonly #chunkSize: number;
  /** Size of the snapshot last read or written; 0 when there is none. */
  bytes = 0;

  constructor(sfs: StoreFs, dir: string, chunkSize = 2_000) {
    this.#fs = sfs;
    this.#dir = dir;
    this.#chunkSize = chunkSize;
    this.path = join(dir, SNAPSHOT_FILE);
    this.#tempPath = join(dir, SNAPSHOT_TEMP_FILE);
  }

  async read(): Promise<SnapshotData | null> {
    const file = this.path;
    // Assigned inside the line callback, where control-flow narrowing cannot follow.
    const seen: { header: SnapshotData | null; footerLine: number } = {
      header: null,
      footerLine: 0,
    };
    // The previous job line, held back until we know whether it is the last
    // one (which alone has no trailing comma).
    let previousEndsWithComma = true;
    const fail = (line: number | null, why: string): never => {
      throw Errors.storeCorrupt(file, line, why);
    };
    let size: number;
    try {
      ({ bytes: size } = await readLines(this.#fs, file, (line) => {
        const text = line.bytes.toString('utf8');
        const { header } = seen;
        if (seen.footerLine > 0) fail(line.number, 'unexpected content after the closing line');
        if (!line.terminated) fail(line.number, 'the snapshot ends in the middle of a line');
        if (header === null) {
          const decoded = decodeSnapshotHeader(text);
          if (typeof decoded === 'string') fail(line.number, decoded);
          else seen.header = { ...decoded, jobs: [] };
          return;
        }
        if (text === SNAPSHOT_FOOTER) {
          if (!previousEndsWithComma || header.jobs.length === 0) seen.footerLine = line.number;
          else fail(line.number - 1, 'a trailing comma after the last job');
          return;
        }
        if (!previousEndsWithComma) fail(line.number - 1, 'a missing comma after a job');
        const job = decodeSnapshotJob(text);
        if (typeof job === 'string') fail(line.number, job);
        else header.jobs.push(job);
        previousEndsWithComma = text.endsWith(',');
      }));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null;
      throw err;
    }
    if (seen.header === null) return fail(null, 'the snapshot is empty');
    if (seen.footerLine === 0) fail(null, 'the snapshot ends before its closing line');
    this.bytes = size;
    return seen.header;
  }

  async write(data: SnapshotData): Promise<void> {
    const sfs = this.#fs;
    const fd = await sfs.open(this.#tempPath, 'w');
    let bytes = 0;
    try {
      const put = async (text: string): Promise<void> => {
        const buffer = Buffer.from(text);
        bytes += buffer.length;
        await writeAll(sfs, fd, buffer);
      };
      await put(encodeSnapshotHeader(data));
      const { jobs } = data;
      let unsynced = 0;
      for (let from = 0; from < jobs.length; from += this.#chunkSize) {
        const to = Math.min(from + this.#chunkSize, jobs.length);
        const parts: string[] = [];
        for (let i = from; i < to; i++) parts.push(JSON.stringify(jobs[i]));
        const before = bytes;
        await put(`${parts.join(',\n')}${to < jobs.length ? ',' : ''}\n`);
        // Sync as we go: an fsync of the journal makes the file system write
        // out other files' dirty pages too (ext4's ordered mode), so a snapshot
        // left dirty in one piece would stall every commit behind it.
        unsynced += bytes - before;
        if (unsynced >= SYNC_EVERY_BYTES) {
          await sfs.fdatasync(fd);
          unsynced = 0;
        }
        // A write callback may come back within the same turn of the loop
        // (page cache); yield explicitly so timers and I/O get their turn.
        await yieldToLoop();
      }
      await put(`${SNAPSHOT_FOOTER}\n`);
      await sfs.fsync(fd);
    } finally {
      await sfs.close(fd);
    }
    await sfs.rename(this.#tempPath, this.path);
    await fsyncDir(sfs, this.#dir);
    this.bytes = bytes;
  }
}
