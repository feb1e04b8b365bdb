/**
 * Rebuilds the state from the snapshot and the journal segments after it,
 * without changing anything on disk: a damaged store must be left exactly as
 * it was found. What needs tidying once recovery succeeded (a torn last line,
 * segments and a temp snapshot a finished compaction had not yet removed) is
 * reported for the caller to do.
 *
 * Layout of the data directory:
 *   snapshot.json        all records up to journal segment `seq` (lowdb)
 *   journal-<n>.jsonl    commits after the snapshot, one line each; n = seq+1, seq+2, …
 *   cadre.lock           the owner's pid
 */
import { join } from 'node:path';
import type { Low } from 'lowdb';
import type { Job } from '@cadre/core';
import { Errors } from '@cadre/core';
import type { CategoryOverride, Mutation } from './job-store.js';
import { readLines, type Line } from './line-reader.js';
import { commitProblem } from './records.js';
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

export interface Recovered {
  jobs: Map<string, Job>;
  categories: Record<string, CategoryOverride>;
  snapshotSeq: number;
  snapshotBytes: number;
  /** Segments after the snapshot, in order. */
  journals: JournalSegment[];
  /** The last segment's torn final line, to be cut off. */
  tornTail: { path: string; line: number; goodBytes: number; fileBytes: number } | null;
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

  const apply = (mutations: readonly Mutation[]): void => {
    for (const m of mutations) {
      if (m.op === 'put') {
        jobs.set(m.job.id, m.job);
      } else if (m.op === 'delete') {
        jobs.delete(m.id);
      } else {
        categories[m.name] = { ...categories[m.name], ...m.override };
      }
    }
  };

  const journals: JournalSegment[] = [];
  let tornTail: Recovered['tornTail'] = null;
  let commitsReplayed = 0;
  for (const [index, segment] of segments.entries()) {
    const isLast = index === segments.length - 1;
    const file = segment.path;
    // Each line is parsed when the next one arrives, so that the final line,
    // which alone may be torn, is known as final.
    const hold: { line: Line | null } = { line: null };
    const settle = (line: Line, final: boolean): void => {
      let value: unknown;
      let parseError: string | null = null;
      if (line.text === '') parseError = 'an empty line';
      else {
        try {
          value = JSON.parse(line.text);
        } catch (err) {
          parseError = `bad JSON (${(err as Error).message})`;
        }
      }
      if (final && isLast && (!line.terminated || parseError !== null)) {
        tornTail = { path: file, line: line.number, goodBytes: line.start, fileBytes: 0 };
        return;
      }
      if (parseError !== null) throw Errors.storeCorrupt(file, line.number, parseError);
      if (!line.terminated) {
        throw Errors.storeCorrupt(file, line.number, 'a segment before the last ends mid-line');
      }
      const problem = commitProblem(value);
      if (problem !== null) throw Errors.storeCorrupt(file, line.number, problem);
      apply(value as Mutation[]);
      commitsReplayed++;
    };
    const { bytes } = await readLines(sfs, file, (line) => {
      if (hold.line !== null) settle(hold.line, false);
      hold.line = line;
    });
    if (hold.line !== null) settle(hold.line, true);
    const torn = tornTail as Recovered['tornTail'];
    if (torn !== null && torn.path === file) torn.fileBytes = bytes;
    journals.push({
      seq: segment.seq,
      path: file,
      goodBytes: torn?.path === file ? torn.goodBytes : bytes,
    });
  }

  return {
    jobs,
    categories,
    snapshotSeq: snapshot.seq,
    snapshotBytes: adapter.bytes,
    journals,
    tornTail,
    leftovers,
    commitsReplayed,
  };
}
