/**
 * The on-disk shapes, encoded and checked in one place.
 *
 * Journal: one line per commit, a JSON array of mutations, so that a commit is
 * all-or-nothing on recovery: a line cut short by a crash was never
 * acknowledged, and the whole commit is dropped with it.
 *
 * Snapshot: a JSON document laid out one job per line, so that it can be read
 * (and written) a slice at a time and a damaged record can be named by line:
 *
 *   {"format":"cadre-snapshot","version":1,"seq":7,"categories":{…},"jobs":[
 *   {…job…},
 *   {…job…}
 *   ]}
 */
import type { Job } from '@cadre/core';
import type { CategoryOverride, Mutation } from './job-store.js';

export const SNAPSHOT_FORMAT = 'cadre-snapshot';
export const SNAPSHOT_VERSION = 1;
export const SNAPSHOT_FOOTER = ']}';
const JOBS_OPENER = ',"jobs":[';

export interface SnapshotHeader {
  seq: number;
  categories: Record<string, CategoryOverride>;
}

export function encodeCommit(mutations: readonly Mutation[]): string {
  return `${JSON.stringify(mutations)}\n`;
}

/** Returns the reason `value` is not a list of mutations, or null if it is one. */
export function commitProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return 'a journal record must be a JSON array of mutations';
  for (const m of value as unknown[]) {
    const problem = mutationProblem(m);
    if (problem !== null) return problem;
  }
  return null;
}

function mutationProblem(m: unknown): string | null {
  if (!isObject(m)) return 'a mutation must be an object';
  switch (m.op) {
    case 'put':
      return jobProblem(m.job);
    case 'delete':
      return typeof m.id === 'string' ? null : "a 'delete' mutation needs a string id";
    case 'category':
      return typeof m.name === 'string' && isObject(m.override)
        ? null
        : "a 'category' mutation needs a name and an override object";
    default:
      return `unknown mutation op ${JSON.stringify(m.op)}`;
  }
}

export function jobProblem(job: unknown): string | null {
  if (!isObject(job)) return 'a job must be an object';
  if (typeof job.id !== 'string' || job.id === '') return 'a job needs a non-empty string id';
  if (typeof job.state !== 'string') return `job '${job.id}' has no state`;
  return null;
}

export function encodeSnapshotHeader(header: SnapshotHeader): string {
  return `{"format":"${SNAPSHOT_FORMAT}","version":${SNAPSHOT_VERSION},"seq":${header.seq},"categories":${JSON.stringify(header.categories)}${JOBS_OPENER}\n`;
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
  return { seq, categories: categories as Record<string, CategoryOverride> };
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
