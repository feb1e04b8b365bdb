/**
 * Rebuilds the state from the snapshot and the journal segments after it,
 * without changing anything on disk: a damaged store must be left exactly as
 * it was found. What needs tidying once recovery succeeded (a torn tail,
 * segments and a temp snapshot a finished compaction had not yet removed) is
 * reported for the caller to do.
 *
 * Layout of the data directory:
 *   snapshot.json        all records up to journal segment `seq` (lowdb)
 *   journal-<n>.jsonl    commits after the snapshot, one line each; n = seq+1, seq+2, …
 *   cadre.lock           the owner (lock-file.ts)
 *
 * Journal lines are checksummed (records.ts). A run of invalid lines at the
 * end of the last segment (bad checksum, bad JSON, zero bytes, no newline) is
 * a torn tail: commits that were being written when the process or the power
 * died, never acknowledged. An invalid line with a valid one after it, or in
 * an earlier segment, is damage: ERR_STORE_CORRUPT naming the file and line.
 *
 * Replay applies each commit's entries in order: a put sets a record whole,
 * an update changes the fields it names on the record replayed so far. An
 * update of a job no longer there (retention deleted it) is skipped.
 */
import { join } from 'node:path';
import type { Low } from 'lowdb';
import type { Job } from '@cadre/core';
import { Errors } from '@cadre/core';
import { applyJobDelta } from './job-delta.js';
import type { CategoryOverride } from './job-store.js';
import { readLines, type Line } from './line-reader.js';
import { decodeCommitLine, journalRecordProblem, type JournalEntry } from './records.js';
import { applySide, sideOf, type SideRecords } from './side-records.js';
import { SNAPSHOT_TEMP_FILE, type SnapshotData, type SnapshotFile } from './snapshot-file.js';
import type { StoreFs } from './store-fs.js';

const JOURNAL_NAME = /^journal-(\d+)\.jsonl$/;

export function journalFileName(seq: number): string {
  return `journal-${String(seq).padStart(8, '0')}.jsonl`;
}

export interface JournalSegment {
  seq: number;
  path: string;
  /** Bytes of whole, valid lines (where appending may continue). */
  goodBytes: number;
}

/**
 * Invalid lines ending the last segment: what a crash or a power cut leaves of
 * commits that were never acknowledged (a flush resolves only after its sync).
 */
export interface TornTail {
  path: string;
  /** The first dropped line, 1-based. */
  line: number;
  /** How many lines are dropped. */
  lines: number;
  /** Where the tail begins. */
  goodBytes: number;
  fileBytes: number;
}

export interface Recovered {
  jobs: Map<string, Job>;
  categories: Record<string, CategoryOverride>;
  side: SideRecords;
  snapshotSeq: number;
  snapshotBytes: number;
  /** Segments after the snapshot, in order. */
  journals: JournalSegment[];
  /** The last segment's torn tail, to be cut off. */
  tornTail: TornTail | null;
  /** Files a finished or interrupted compaction left behind. */
  leftovers: string[];
  commitsReplayed: number;
}

export async function recover(
  sfs: StoreFs,
  dir: string,
  db: Low<SnapshotData>,
): Promise<Recovered> {
  const names = await sfs.readdir(dir);
  await db.read();
  const snapshot = db.data;
  const adapter = db.adapter as SnapshotFile;
  const jobs = new Map<string, Job>();
  for (const job of snapshot.jobs) jobs.set(job.id, job);
  // The array is no longer needed; the map holds the same records.
  db.data = { ...snapshot, jobs: [] };
  const categories: Record<string, CategoryOverride> = { ...snapshot.categories };
  const side = sideOf(snapshot);

  const leftovers: string[] = [];
  const segments: { seq: number; path: string }[] = [];
  for (const name of names) {
    if (name === SNAPSHOT_TEMP_FILE) leftovers.push(join(dir, name));
    const match = JOURNAL_NAME.exec(name);
    if (match === null) continue;
    const seq = Number(match[1]);
    if (seq <= snapshot.seq) leftovers.push(join(dir, name));
    else segments.push({ seq, path: join(dir, name) });
  }
  segments.sort((a, b) => a.seq - b.seq);
  let expected = snapshot.seq + 1;
  for (const segment of segments) {
    if (segment.seq !== expected) {
      throw Errors.storeCorrupt(
        join(dir, journalFileName(expected)),
        null,
        `journal segment ${expected} is missing (snapshot covers up to ${snapshot.seq}, found ${segment.seq})`,
      );
    }
    expected++;
  }

  const apply = (entries: readonly JournalEntry[]): void => {
    for (const m of entries) {
      if (m.op === 'put') {
        jobs.set(m.job.id, m.job);
      } else if (m.op === 'update') {
        const job = jobs.get(m.id);
        // Unknown: deleted since (retention); a later put would bring it back whole.
        if (job !== undefined) jobs.set(m.id, applyJobDelta(job, m));
      } else if (m.op === 'delete') {
        jobs.delete(m.id);
      } else if (m.op === 'category') {
        categories[m.name] = { ...categories[m.name], ...m.override };
      } else {
        applySide(side, m);
      }
    }
  };

  const journals: JournalSegment[] = [];
  let tornTail: TornTail | null = null;
  let commitsReplayed = 0;
  for (const [index, segment] of segments.entries()) {
    const isLast = index === segments.length - 1;
    const file = segment.path;
    // The first line of the current run of invalid lines. Such a run is a
    // torn tail if nothing valid follows it in the last segment; anything
    // valid after it means records were damaged after being written.
    let invalid: { line: Line; why: string; count: number } | null = null;
    const { bytes } = await readLines(sfs, file, (line) => {
      const decoded = decodeCommitLine(line.bytes);
      let why = 'invalid' in decoded ? decoded.invalid : null;
      if (why === null && !line.terminated) why = 'the line has no newline';
      if (why !== null) {
        if (invalid === null) invalid = { line, why, count: 0 };
        invalid.count++;
        return;
      }
      if (invalid !== null) {
        throw Errors.storeCorrupt(
          file,
          invalid.line.number,
          `${invalid.why}, yet a valid record follows at line ${line.number}`,
        );
      }
      const value = (decoded as { value: unknown }).value;
      const problem = journalRecordProblem(value);
      if (problem !== null) throw Errors.storeCorrupt(file, line.number, problem);
      apply(value as JournalEntry[]);
      commitsReplayed++;
    });
    // Assigned inside the callback, where control-flow narrowing cannot follow.
    const run = invalid as { line: Line; why: string; count: number } | null;
    if (run !== null && !isLast) {
      // Every byte of an earlier segment was synced before the next was begun.
      throw Errors.storeCorrupt(file, run.line.number, `${run.why} in a segment before the last`);
    }
    if (run !== null) {
      tornTail = {
        path: file,
        line: run.line.number,
        lines: run.count,
        goodBytes: run.line.start,
        fileBytes: bytes,
      };
    }
    journals.push({ seq: segment.seq, path: file, goodBytes: run?.line.start ?? bytes });
  }

  return {
    jobs,
    categories,
    side,
    snapshotSeq: snapshot.seq,
    snapshotBytes: adapter.bytes,
    journals,
    tornTail,
    leftovers,
    commitsReplayed,
  };
}
