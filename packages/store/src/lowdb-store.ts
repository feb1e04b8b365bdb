/**
 * The durable JobStore: a lowdb snapshot plus an append-only journal.
 *
 * Writing. `commit()` encodes its mutations as one checksummed journal line
 * (records.ts) and queues it; data that JSON refuses is rejected there, alone. One flush runs at a time: it writes every queued line with one write
 * and one fdatasync, then resolves all the commits it carried (group commit:
 * a thousand concurrent commits cost a handful of fsyncs). Commits arriving
 * during a flush ride the next one. Mutations reach the in-memory map only
 * once durable, so a failed flush leaves nothing behind: its commits are
 * rejected with ERR_STORE_UNAVAILABLE, the journal is cut back to the last
 * good byte, and the next flush tries again.
 *
 * Compaction. When the journal outgrows the snapshot (and a minimum size),
 * the store (1) switches to a fresh segment journal-<k+1>, between two
 * flushes, capturing the map as it stands (records are immutable values, so
 * that capture is a consistent view of segments ≤ k); (2) writes the snapshot
 * of seq k through lowdb, a slice at a time, fsyncs it, renames it into
 * place and fsyncs the directory; (3) deletes segments ≤ k. Commits go on
 * meanwhile into segment k+1. A crash at any step recovers as snapshot +
 * every segment after its seq.
 */
import { join } from 'node:path';
import { Low } from 'lowdb';
import type { Job } from '@cadre/core';
import { Errors, toErrorMessage } from '@cadre/core';
import type { CategoryOverride, JobStore, Mutation, StoredState } from './job-store.js';
import { acquireLock, type Lock } from './lock-file.js';
import { commitProblem, encodeCommit } from './records.js';
import { journalFileName, recover, type Recovered } from './recovery.js';
import { applySide, cloneSide, type SideRecords } from './side-records.js';
import { SnapshotFile, emptySnapshot, type SnapshotData } from './snapshot-file.js';
import { errnoCode, fsyncDir, nodeFs, writeAll, type StoreFs } from './store-fs.js';

/** pino-compatible. */
export interface StoreLogger {
  warn(details: Record<string, unknown>, message: string): void;
  info?(details: Record<string, unknown>, message: string): void;
}

export interface LowdbStoreOptions {
  /** The data directory; created if missing. */
  dir: string;
  /**
   * The journal is never compacted below this size; `Infinity` leaves
   * compaction to explicit `compact()` calls.
   * @defaultValue 4 MiB
   */
  compactMinBytes?: number;
  /**
   * Compact once the journal is this many times the size of the snapshot.
   * @defaultValue 1
   */
  compactRatio?: number;
  /**
   * Jobs serialized per slice when writing a snapshot; the event loop is
   * yielded between slices.
   * @defaultValue 2000
   */
  snapshotChunkSize?: number;
  /** @defaultValue warnings go to `process.emitWarning` */
  logger?: StoreLogger;
  /** File-system calls, replaceable to inject faults. @defaultValue node:fs */
  fs?: StoreFs;
}

export interface LowdbStoreStats {
  jobs: number;
  /** Bytes of journal not yet folded into the snapshot. */
  journalBytes: number;
  snapshotBytes: number;
  journalSeq: number;
  snapshotSeq: number;
  commits: number;
  flushes: number;
  compactions: number;
  /** Duration of the last finished compaction, ms. */
  lastCompactionMs: number | null;
}

interface QueuedCommit {
  line: Buffer;
  mutations: readonly Mutation[];
  resolve: () => void;
  reject: (err: Error) => void;
}

const EMPTY = Buffer.alloc(0);

const defaultLogger: StoreLogger = {
  warn: (details, message) =>
    process.emitWarning(`${message} ${JSON.stringify(details)}`, { code: 'CADRE_STORE' }),
};

export async function openLowdbStore(options: LowdbStoreOptions): Promise<LowdbStore> {
  const settings = checkOptions(options);
  const sfs = settings.fs;
  await sfs.mkdir(settings.dir);
  const lock = await acquireLock(sfs, settings.dir);
  try {
    const db = new Low<SnapshotData>(
      new SnapshotFile(sfs, settings.dir, settings.snapshotChunkSize),
      emptySnapshot(),
    );
    const recovered = await recover(sfs, settings.dir, db);
    // From here on the store is known to be sound and may be tidied.
    const journal = await prepareJournal(sfs, settings, recovered);
    return new LowdbStore(settings, lock, db, recovered, journal);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

type Settings = Required<LowdbStoreOptions>;

function checkOptions(options: LowdbStoreOptions): Settings {
  if (typeof options.dir !== 'string' || options.dir === '') {
    throw new TypeError('options.dir must be a non-empty string');
  }
  const settings: Settings = {
    dir: options.dir,
    compactMinBytes: options.compactMinBytes ?? 4 * 1024 * 1024,
    compactRatio: options.compactRatio ?? 1,
    snapshotChunkSize: options.snapshotChunkSize ?? 2_000,
    logger: options.logger ?? defaultLogger,
    fs: options.fs ?? nodeFs,
  };
  // Infinity is allowed: the store then compacts only when asked to.
  if (Number.isNaN(settings.compactMinBytes) || settings.compactMinBytes < 0) {
    throw new TypeError('options.compactMinBytes must be a non-negative number');
  }
  if (!Number.isFinite(settings.compactRatio) || settings.compactRatio < 0) {
    throw new TypeError('options.compactRatio must be a non-negative number');
  }
  if (!Number.isSafeInteger(settings.snapshotChunkSize) || settings.snapshotChunkSize < 1) {
    throw new TypeError('options.snapshotChunkSize must be a positive integer');
  }
  return settings;
}

interface OpenJournal {
  seq: number;
  fd: number;
  /** Bytes known durable and whole; a failed flush is cut back to here. */
  goodBytes: number;
}

/** Cuts a torn tail, removes leftovers, and opens the segment to append to. */
async function prepareJournal(
  sfs: StoreFs,
  settings: Settings,
  recovered: Recovered,
): Promise<OpenJournal> {
  const { dir, logger } = settings;
  const torn = recovered.tornTail;
  const last = recovered.journals.at(-1);
  if (torn !== null) {
    logger.warn(
      {
        file: torn.path,
        line: torn.line,
        droppedLines: torn.lines,
        droppedBytes: torn.fileBytes - torn.goodBytes,
      },
      'dropped a torn journal tail (commits that were never acknowledged)',
    );
  }
  for (const path of recovered.leftovers) {
    try {
      await sfs.unlink(path);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
  let journal: OpenJournal;
  if (last === undefined) {
    const seq = recovered.snapshotSeq + 1;
    journal = { seq, fd: await sfs.open(join(dir, journalFileName(seq)), 'a'), goodBytes: 0 };
  } else {
    journal = { seq: last.seq, fd: await sfs.open(last.path, 'a'), goodBytes: last.goodBytes };
    if (torn !== null) {
      await sfs.ftruncate(journal.fd, torn.goodBytes);
      await sfs.fdatasync(journal.fd);
    }
  }
  if (last === undefined || recovered.leftovers.length > 0) await fsyncDir(sfs, dir);
  return journal;
}

export class LowdbStore implements JobStore {
  readonly dir: string;
  readonly #settings: Settings;
  readonly #fs: StoreFs;
  readonly #lock: Lock;
  readonly #db: Low<SnapshotData>;
  readonly #jobs: Map<string, Job>;
  readonly #categories: Record<string, CategoryOverride>;
  readonly #side: SideRecords;
  #journal: OpenJournal;
  /** Journal bytes after the snapshot, over every live segment. */
  #journalBytes: number;
  #snapshotSeq: number;
  #snapshotBytes: number;

  #queue: QueuedCommit[] = [];
  #flushScheduled = false;
  /** Flushes and segment switches, one at a time, in order. */
  #io: Promise<void> = Promise.resolve();
  /** A flush failed after writing: the journal may hold bytes past goodBytes. */
  #damagedTail = false;
  #compaction: Promise<void> | null = null;
  /** After a failed compaction, wait for the journal to grow this far before the next. */
  #compactRetryAt = 0;
  #closed = false;
  #closing: Promise<void> | null = null;
  #stats = { commits: 0, flushes: 0, compactions: 0, lastCompactionMs: null as number | null };

  /** @internal use openLowdbStore() */
  constructor(
    settings: Settings,
    lock: Lock,
    db: Low<SnapshotData>,
    recovered: Recovered,
    journal: OpenJournal,
  ) {
    this.dir = settings.dir;
    this.#settings = settings;
    this.#fs = settings.fs;
    this.#lock = lock;
    this.#db = db;
    this.#jobs = recovered.jobs;
    this.#categories = recovered.categories;
    this.#side = recovered.side;
    this.#journal = journal;
    this.#journalBytes = recovered.journals.reduce((sum, j) => sum + j.goodBytes, 0);
    this.#snapshotSeq = recovered.snapshotSeq;
    this.#snapshotBytes = recovered.snapshotBytes;
  }

  async load(): Promise<StoredState> {
    return {
      jobs: [...this.#jobs.values()],
      categories: cloneCategories(this.#categories),
      ...cloneSide(this.#side),
    };
  }

  commit(mutations: readonly Mutation[]): Promise<void> {
    if (this.#closed) return Promise.reject(Errors.storeUnavailable('the store is closed'));
    // What would not read back must not be written: recovery would take it for damage.
    const problem = commitProblem(mutations);
    if (problem !== null) return Promise.reject(Errors.validation(`cannot store: ${problem}`));
    let line: Buffer;
    try {
      // Encoded here, alone, so that data JSON refuses fails this commit only,
      // before anything is queued for the shared write.
      line = mutations.length === 0 ? EMPTY : encodeCommit(mutations);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ line, mutations: [...mutations], resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        void this.#serially(() => this.#flush());
      }
    });
  }

  /**
   * Folds the journal into a new snapshot now. Resolves when the snapshot is
   * durable and the old segments are gone; waits for a compaction already
   * running, then runs a fresh one.
   */
  async compact(): Promise<void> {
    if (this.#closed) throw Errors.storeUnavailable('the store is closed');
    while (this.#compaction !== null) await this.#compaction.catch(() => undefined);
    await this.#startCompaction();
  }

  stats(): LowdbStoreStats {
    return {
      jobs: this.#jobs.size,
      journalBytes: this.#journalBytes,
      snapshotBytes: this.#snapshotBytes,
      journalSeq: this.#journal.seq,
      snapshotSeq: this.#snapshotSeq,
      ...this.#stats,
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    // Queued commits were scheduled before this: waiting for the chain flushes them.
    await this.#serially(async () => undefined);
    while (this.#compaction !== null) await this.#compaction.catch(() => undefined);
    try {
      await this.#serially(async () => {
        if (this.#damagedTail) await this.#repairTail().catch(() => undefined);
        await this.#fs.fdatasync(this.#journal.fd).catch(() => undefined);
        await this.#fs.close(this.#journal.fd);
      });
    } finally {
      await this.#lock.release();
    }
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#io.then(task);
    this.#io = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const buffer = batch.length === 1 ? batch[0]!.line : Buffer.concat(batch.map((c) => c.line));
    const sfs = this.#fs;
    const fd = this.#journal.fd;
    try {
      if (this.#damagedTail) await this.#repairTail();
      if (buffer.length > 0) {
        this.#damagedTail = true;
        await writeAll(sfs, fd, buffer);
        await sfs.fdatasync(fd);
        this.#damagedTail = false;
        this.#journal.goodBytes += buffer.length;
        this.#journalBytes += buffer.length;
        this.#stats.flushes++;
      }
    } catch (err) {
      // Cut the partial line off now, so that a crash before the next flush
      // does not leave it for recovery to find; if that fails too, the next
      // flush tries again before writing.
      if (this.#damagedTail) await this.#repairTail().catch(() => undefined);
      const failure = Errors.storeUnavailable(toErrorMessage(err));
      this.#settings.logger.warn(
        {
          file: this.#journalPath(this.#journal.seq),
          commits: batch.length,
          cause: failure.message,
        },
        'journal write failed; its commits were rejected',
      );
      for (const c of batch) c.reject(failure);
      return;
    }
    for (const c of batch) {
      this.#apply(c.mutations);
      this.#stats.commits++;
      c.resolve();
    }
    this.#maybeCompact();
  }

  async #repairTail(): Promise<void> {
    await this.#fs.ftruncate(this.#journal.fd, this.#journal.goodBytes);
    await this.#fs.fdatasync(this.#journal.fd);
    this.#damagedTail = false;
  }

  #apply(mutations: readonly Mutation[]): void {
    for (const m of mutations) {
      if (m.op === 'put') {
        this.#jobs.set(m.job.id, m.job);
      } else if (m.op === 'update') {
        // As recovery replays it: the record the journal's delta leads to, for a job still held.
        if (this.#jobs.has(m.job.id)) this.#jobs.set(m.job.id, m.job);
      } else if (m.op === 'delete') {
        this.#jobs.delete(m.id);
      } else if (m.op === 'category') {
        this.#categories[m.name] = { ...this.#categories[m.name], ...m.override };
      } else {
        applySide(this.#side, m);
      }
    }
  }

  #maybeCompact(): void {
    if (this.#compaction !== null || this.#closed) return;
    const { compactMinBytes, compactRatio } = this.#settings;
    const threshold = Math.max(compactMinBytes, compactRatio * this.#snapshotBytes);
    if (this.#journalBytes < threshold || this.#journalBytes < this.#compactRetryAt) return;
    this.#startCompaction().catch((err: unknown) => {
      this.#compactRetryAt = this.#journalBytes + Math.max(compactMinBytes, 1);
      this.#settings.logger.warn(
        { dir: this.dir, cause: toErrorMessage(err) },
        'compaction failed; the journal keeps everything and compaction will be tried again',
      );
    });
  }

  #startCompaction(): Promise<void> {
    const run = this.#compact().finally(() => {
      this.#compaction = null;
    });
    this.#compaction = run;
    return run;
  }

  async #compact(): Promise<void> {
    const started = performance.now();
    const sfs = this.#fs;
    const captured = await this.#serially(async () => {
      if (this.#damagedTail) await this.#repairTail();
      const old = this.#journal;
      const seq = old.seq + 1;
      const fd = await sfs.open(this.#journalPath(seq), 'a');
      try {
        await fsyncDir(sfs, this.dir);
      } catch (err) {
        // Left in place, this empty segment would turn a torn tail of the
        // current one into damage in the middle of the sequence.
        await sfs.close(fd).catch(() => undefined);
        await sfs.unlink(this.#journalPath(seq)).catch(() => undefined);
        throw err;
      }
      this.#journal = { seq, fd, goodBytes: 0 };
      await sfs.close(old.fd).catch(() => undefined);
      return {
        seq: old.seq,
        jobs: [...this.#jobs.values()],
        categories: cloneCategories(this.#categories),
        side: cloneSide(this.#side),
        journalBytes: this.#journalBytes,
      };
    });
    this.#db.data = {
      seq: captured.seq,
      categories: captured.categories,
      ...captured.side,
      jobs: captured.jobs,
    };
    try {
      await this.#db.write();
    } finally {
      this.#db.data = emptySnapshot();
    }
    this.#snapshotSeq = captured.seq;
    this.#snapshotBytes = (this.#db.adapter as SnapshotFile).bytes;
    this.#journalBytes -= captured.journalBytes;
    this.#compactRetryAt = 0;
    await this.#removeSegmentsThrough(captured.seq);
    this.#stats.compactions++;
    this.#stats.lastCompactionMs = performance.now() - started;
  }

  /** Old segments are dead weight once the snapshot covers them; failing to delete them is harmless. */
  async #removeSegmentsThrough(seq: number): Promise<void> {
    const sfs = this.#fs;
    try {
      for (const name of await sfs.readdir(this.dir)) {
        const match = /^journal-(\d+)\.jsonl$/.exec(name);
        if (match !== null && Number(match[1]) <= seq) await sfs.unlink(join(this.dir, name));
      }
      await fsyncDir(sfs, this.dir);
    } catch (err) {
      this.#settings.logger.warn(
        { dir: this.dir, cause: toErrorMessage(err) },
        'could not delete journal segments the snapshot covers; they are ignored and retried later',
      );
    }
  }

  #journalPath(seq: number): string {
    return join(this.dir, journalFileName(seq));
  }
}

function cloneCategories(
  categories: Record<string, CategoryOverride>,
): Record<string, CategoryOverride> {
  const copy: Record<string, CategoryOverride> = {};
  for (const [name, override] of Object.entries(categories)) copy[name] = { ...override };
  return copy;
}
