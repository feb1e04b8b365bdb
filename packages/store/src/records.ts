/**
 * The on-disk shapes, encoded and checked in one place.
 *
 * Journal: one line per commit, so that a commit is all-or-nothing on
 * recovery: a line cut short by a crash was never acknowledged, and the whole
 * commit is dropped with it. A line is the CRC32 of its JSON text (UTF-8) in 8
 * lowercase hex digits, a space, then the JSON array of mutations:
 *
 *   3fa0c2d1 [{"op":"put","job":{…}},{"op":"update","id":"…","state":"running",…}]
 *
 * A put holds a whole record; an update only the fields that changed, times
 * in epoch ms (job-delta.ts). A result the caller handed over as JSON text is
 * written as that text, inside the checksummed line like the rest.
 *
 * The checksum tells a line the disk lost or garbled in a power cut from one
 * that was written whole, which JSON alone cannot do (a zero-filled block, or
 * a stale block that happens to parse). Releases before the checksum wrote the
 * bare JSON array; such lines (they start with '[') are still read.
 *
 * Snapshot: a JSON document laid out one job per line, so that it can be read
 * (and written) a slice at a time and a damaged record can be named by line:
 *
 *   {"format":"cadre-snapshot","version":1,"seq":7,"categories":{…},"schedules":{…},"observers":{…},"observations":{…},"jobs":[
 *   {…job…},
 *   {…job…}
 *   ]}
 *
 * Schedules, observers and observations (side-records.ts) came with issue 13;
 * a snapshot without them has none.
 */
import { crc32 } from 'node:zlib';
import type { Job } from '@cadre/core';
import { Errors, toErrorMessage } from '@cadre/core';
import { diffJobInto, jobDeltaProblem, type JobDelta } from './job-delta.js';
import type { CategoryOverride, Mutation } from './job-store.js';
import {
  SIDE_OPS,
  sideEntryProblem,
  sideHeaderProblem,
  sideOf,
  type SideRecords,
} from './side-records.js';

export const SNAPSHOT_FORMAT = 'cadre-snapshot';
export const SNAPSHOT_VERSION = 1;
export const SNAPSHOT_FOOTER = ']}';
const JOBS_OPENER = ',"jobs":[';

export interface SnapshotHeader extends SideRecords {
  seq: number;
  categories: Record<string, CategoryOverride>;
}

/** A mutation as the journal holds it: an update is reduced to its delta. */
export type JournalEntry = Exclude<Mutation, { op: 'update' }> | ({ op: 'update' } & JobDelta);

/**
 * One journal line for a commit, as bytes. Throws ERR_VALIDATION (and nothing
 * is written) when JSON refuses the data: a BigInt, a cycle, a throwing toJSON.
 */
export function encodeCommit(mutations: readonly Mutation[]): Buffer {
  // The entries are serialised in one call where possible: a call per entry
  // costs about half as much again.
  const entries: unknown[] = new Array<unknown>(mutations.length);
  let raws: (string | null)[] | null = null;
  for (let i = 0; i < mutations.length; i++) {
    const m = mutations[i]!;
    if (m.op !== 'update') {
      entries[i] = m;
      continue;
    }
    const raw = rawResult(m);
    if (raw !== null) (raws ??= new Array<string | null>(mutations.length).fill(null))[i] = raw;
    entries[i] = diffJobInto({ op: 'update' }, m.prev, m.job, { withoutResult: raw !== null });
  }
  const json = raws === null ? toJson(entries) : jsonWithRaw(entries, raws);
  // Encoded to UTF-8 once; the checksum is taken over those bytes and written
  // over the placeholder, which costs less than a second encoding.
  const line = Buffer.from(`00000000 ${json}\n`);
  const sum = crc32(line.subarray(CHECKSUM_PREFIX, line.length - 1));
  line.write(sum.toString(16).padStart(8, '0'), 0, 'latin1');
  return line;
}

/**
 * Below this many characters a result is serialised with its entry rather
 * than written from its text: splicing the text in costs about as much as
 * serialising a value of about 100 characters (measured), and a result of a
 * few dozen, the common case, is cheaper to serialise.
 */
const RAW_RESULT_MIN_CHARS = 128;

/** The result's JSON text handed over with an update, if it is to be written as it is. */
function rawResult(m: Extract<Mutation, { op: 'update' }>): string | null {
  const text = m.resultJson;
  return text !== undefined &&
    text.length >= RAW_RESULT_MIN_CHARS &&
    m.job.result !== m.prev.result &&
    isJsonText(text)
    ? text
    : null;
}

/** The JSON array of `entries`, each entry with a raw result ending with it: `,"result":<text>}`. */
function jsonWithRaw(entries: readonly unknown[], raws: readonly (string | null)[]): string {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < entries.length; i++) {
    const raw = raws[i];
    if (raw === null || raw === undefined) continue;
    if (from < i) parts.push(toJson(entries.slice(from, i)).slice(1, -1));
    parts.push(`${toJson(entries[i]).slice(0, -1)},"result":${raw}}`);
    from = i + 1;
  }
  if (from < entries.length) parts.push(toJson(entries.slice(from)).slice(1, -1));
  return `[${parts.join(',')}]`;
}

/**
 * A cheap check of text said to be `JSON.stringify` output, not a parse: it
 * must stay on its line and begin and end as one JSON value does. Anything
 * else is serialised from the value instead: text that is not JSON would make
 * the whole line unreadable, and with it every commit it carries.
 */
function isJsonText(text: string): boolean {
  if (text.length === 0 || text.includes('\n')) return false;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
  switch (first) {
    case 0x7b: // {
      return last === 0x7d;
    case 0x5b: // [
      return last === 0x5d;
    case 0x22: // "
      return last === 0x22 && text.length > 1;
    case 0x74: // true
    case 0x66: // false
      return last === 0x65;
    case 0x6e: // null
      return text === 'null';
    default: // a number
      return (first === 0x2d || isDigit(first)) && isDigit(last);
  }
}

/** The JSON text of `value`, or ERR_VALIDATION saying why it has none. */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    throw Errors.unserialisable(toErrorMessage(err));
  }
}

/** '8 hex digits, a space'. */
const CHECKSUM_PREFIX = 9;
const SPACE = 0x20;
const OPEN_BRACKET = 0x5b;

/** The checksum a line starts with ('8 hex digits, a space'), or -1 if it starts otherwise. */
function checksumPrefix(line: Buffer): number {
  if (line.length <= CHECKSUM_PREFIX || line[CHECKSUM_PREFIX - 1] !== SPACE) return -1;
  let sum = 0;
  for (let i = 0; i < CHECKSUM_PREFIX - 1; i++) {
    const c = line[i] as number;
    // 0-9, a-f: what encodeCommit writes.
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (digit === -1) return -1;
    sum = sum * 16 + digit;
  }
  return sum;
}

/**
 * Reads one journal line (its bytes, without the newline): the parsed value,
 * or why the line is not a record the store wrote whole.
 */
export function decodeCommitLine(line: Buffer): { value: unknown } | { invalid: string } {
  let from = 0;
  const sum = checksumPrefix(line);
  if (sum !== -1) {
    if (sum !== crc32(line.subarray(CHECKSUM_PREFIX))) return { invalid: 'checksum mismatch' };
    from = CHECKSUM_PREFIX;
  } else if (line[0] !== OPEN_BRACKET) {
    if (line.length === 0) return { invalid: 'an empty line' };
    if (line[0] === 0) return { invalid: 'zero bytes' };
    return { invalid: 'not a journal record (neither a checksum nor a JSON array)' };
  }
  // Else a line of a release before the checksum: JSON alone vouches for it.
  try {
    return { value: JSON.parse(line.toString('utf8', from)) };
  } catch (err) {
    return { invalid: `bad JSON (${(err as Error).message})` };
  }
}

/** Returns the reason `mutations`, handed to a commit, could not be stored, or null. */
export function commitProblem(mutations: readonly Mutation[]): string | null {
  for (const m of mutations as readonly unknown[]) {
    if (isObject(m) && m.op === 'update') {
      const problem = jobProblem(m.job);
      if (problem !== null) return problem;
      if (!isObject(m.prev) || m.prev.id !== (m.job as Job).id) {
        return `an 'update' of job '${(m.job as Job).id}' needs the record it replaces, same id`;
      }
      if (m.resultJson !== undefined && typeof m.resultJson !== 'string') {
        return `an 'update' of job '${(m.job as Job).id}' has a resultJson that is not a string`;
      }
    } else {
      const problem = entryProblem(m);
      if (problem !== null) return problem;
    }
  }
  return null;
}

/** Returns the reason `value`, read from a journal line, is not a list of entries, or null. */
export function journalRecordProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return 'a journal record must be a JSON array of mutations';
  for (const m of value as unknown[]) {
    const problem = entryProblem(m);
    if (problem !== null) return problem;
  }
  return null;
}

function entryProblem(m: unknown): string | null {
  if (!isObject(m)) return 'a mutation must be an object';
  switch (m.op) {
    case 'put':
      return jobProblem(m.job);
    case 'update':
      return jobDeltaProblem(m, ['op']);
    case 'delete':
      return typeof m.id === 'string' ? null : "a 'delete' mutation needs a string id";
    case 'category':
      return typeof m.name === 'string' && isObject(m.override)
        ? null
        : "a 'category' mutation needs a name and an override object";
    default:
      return typeof m.op === 'string' && SIDE_OPS.has(m.op)
        ? sideEntryProblem(m)
        : `unknown mutation op ${JSON.stringify(m.op)}`;
  }
}

export function jobProblem(job: unknown): string | null {
  if (!isObject(job)) return 'a job must be an object';
  if (typeof job.id !== 'string' || job.id === '') return 'a job needs a non-empty string id';
  if (typeof job.state !== 'string') return `job '${job.id}' has no state`;
  return null;
}

export function encodeSnapshotHeader(header: SnapshotHeader): string {
  const side = `"schedules":${JSON.stringify(header.schedules)},"observers":${JSON.stringify(header.observers)},"observations":${JSON.stringify(header.observations)},"history":${JSON.stringify(header.history)}`;
  return `{"format":"${SNAPSHOT_FORMAT}","version":${SNAPSHOT_VERSION},"seq":${header.seq},"categories":${JSON.stringify(header.categories)},${side}${JOBS_OPENER}\n`;
}

/** Parses the first line of a snapshot, or returns the reason it is not one. */
export function decodeSnapshotHeader(line: string): SnapshotHeader | string {
  if (!line.endsWith(JOBS_OPENER)) return 'not a cadre snapshot header';
  let value: unknown;
  try {
    value = JSON.parse(`${line.slice(0, -JOBS_OPENER.length)}}`);
  } catch (err) {
    return `bad JSON in the snapshot header (${(err as Error).message})`;
  }
  if (!isObject(value) || value.format !== SNAPSHOT_FORMAT) return 'not a cadre snapshot header';
  if (value.version !== SNAPSHOT_VERSION) {
    return `unsupported snapshot version ${JSON.stringify(value.version)}`;
  }
  const { seq, categories } = value;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    return 'the snapshot header has no valid seq';
  }
  if (!isObject(categories)) return 'the snapshot header has no categories object';
  for (const [name, override] of Object.entries(categories)) {
    if (!isObject(override)) return `category '${name}' has no override object`;
  }
  const sideProblem = sideHeaderProblem(value);
  if (sideProblem !== null) return sideProblem;
  return {
    seq,
    categories: categories as Record<string, CategoryOverride>,
    ...sideOf(value as Partial<SideRecords>),
  };
}

/** Parses one job line of a snapshot (`{…},` or the last `{…}`), or returns the reason. */
export function decodeSnapshotJob(line: string): Job | string {
  const text = line.endsWith(',') ? line.slice(0, -1) : line;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `bad JSON (${(err as Error).message})`;
  }
  const problem = jobProblem(value);
  return problem ?? (value as Job);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
